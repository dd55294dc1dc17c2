"""Backbone staging, parameter groups and the SGD optimiser of the official recipe.

Until ``BACKBONE.TRAIN_EPOCH`` every backbone parameter is frozen and every backbone batch-norm layer runs in eval
mode (running statistics fixed); from that epoch the modules named in ``BACKBONE.TRAIN_LAYERS`` train, their
batch-norm layers in train mode, while the rest of the backbone (for ResNet-50: conv1, bn1, layer1) stays frozen
and in eval mode. The neck and the head always train. The optimiser is rebuilt when the stage changes (fresh
momentum, as the official code does).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from siamban.config import BackboneConfig, SiamBANConfig
from siamban.errors import ConfigError
from siamban.models import SiamBAN
from siamban.training.schedule import EpochLRScheduler, build_lr_schedule


def backbone_trains(backbone_cfg: BackboneConfig, epoch: int) -> bool:
    """Whether the backbone's ``TRAIN_LAYERS`` train in ``epoch`` (0-based)."""
    return epoch >= backbone_cfg.train_epoch


def same_stage(backbone_cfg: BackboneConfig, epoch_a: int, epoch_b: int) -> bool:
    """Whether two epochs train the same parameters (so one optimiser state carries over between them)."""
    return backbone_trains(backbone_cfg, epoch_a) == backbone_trains(backbone_cfg, epoch_b)


def trainable_backbone_layers(backbone: nn.Module, backbone_cfg: BackboneConfig) -> list[nn.Module]:
    """The modules named by ``TRAIN_LAYERS`` (dotted paths allowed), or ConfigError naming the unknown one."""
    layers = []
    for name in backbone_cfg.train_layers:
        try:
            layers.append(backbone.get_submodule(name))
        except AttributeError:
            children = ", ".join(n for n, _ in backbone.named_children())
            raise ConfigError(
                f"BACKBONE.TRAIN_LAYERS: {name!r} is not a module of the {type(backbone).__name__} backbone "
                f"(its top-level modules: {children})"
            ) from None
    return layers


def _set_batchnorm_mode(module: nn.Module, train: bool) -> None:
    for m in module.modules():
        if isinstance(m, _BatchNorm):
            m.train(train)


def set_backbone_stage(model: SiamBAN, backbone_cfg: BackboneConfig, epoch: int) -> None:
    """Freeze or unfreeze backbone parameters and set its batch-norm modes for ``epoch``.

    Call it after ``model.train()``, which puts every batch-norm layer back in train mode.
    """
    backbone = model.backbone
    layers = trainable_backbone_layers(backbone, backbone_cfg)
    backbone.requires_grad_(False)
    _set_batchnorm_mode(backbone, False)
    if backbone_trains(backbone_cfg, epoch):
        for layer in layers:
            layer.requires_grad_(True)
            _set_batchnorm_mode(layer, True)


def param_groups(model: SiamBAN, cfg: SiamBANConfig) -> list[dict[str, Any]]:
    """Named groups: trainable backbone parameters at ``LAYERS_LR * BASE_LR``, neck and head at ``BASE_LR``.

    An empty backbone group (frozen stage) is left out. ``base_lr`` is the group's rate relative to the schedule.
    """
    base = cfg.train.base_lr
    groups = []
    backbone = [p for p in model.backbone.parameters() if p.requires_grad]
    if backbone:
        groups.append({"name": "backbone", "params": backbone, "base_lr": cfg.backbone.layers_lr * base})
    if hasattr(model, "neck"):
        groups.append({"name": "neck", "params": list(model.neck.parameters()), "base_lr": base})
    groups.append({"name": "head", "params": list(model.head.parameters()), "base_lr": base})
    for group in groups:
        group["lr"] = group["base_lr"]
    return groups


def build_optimizer(
    model: SiamBAN, cfg: SiamBANConfig, epoch: int
) -> tuple[torch.optim.SGD, EpochLRScheduler]:
    """Stage the backbone for ``epoch``, then SGD (``MOMENTUM``, ``WEIGHT_DECAY``) and its scheduler set to
    ``epoch``."""
    set_backbone_stage(model, cfg.backbone, epoch)
    optimizer = torch.optim.SGD(
        param_groups(model, cfg), lr=cfg.train.base_lr, momentum=cfg.train.momentum,
        weight_decay=cfg.train.weight_decay,
    )
    scheduler = EpochLRScheduler(optimizer, build_lr_schedule(cfg.train))
    scheduler.step(epoch)
    return optimizer, scheduler
