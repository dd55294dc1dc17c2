"""Frozen and trainable parameter sets, batch-norm modes and optimiser groups before and after the unfreeze epoch."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn

from siamban.config import resolve_config
from siamban.errors import ConfigError
from siamban.models import build_model
from siamban.training.optim import build_optimizer, set_backbone_stage
from training_fakes import tiny_config


def _count(params) -> int:
    return sum(p.numel() for p in params)


def _bn_training(module: nn.Module) -> set[bool]:
    return {m.training for m in module.modules() if isinstance(m, nn.BatchNorm2d)}


@pytest.fixture(scope="module")
def r50():
    cfg = resolve_config("siamban_r50_l234")
    return cfg, build_model(cfg).train()


def test_r50_heads_only_until_epoch_10(r50):
    cfg, model = r50
    optimizer, scheduler = build_optimizer(model, cfg, epoch=9)
    assert [g["name"] for g in optimizer.param_groups] == ["neck", "head"]
    assert _count(p for p in model.backbone.parameters() if p.requires_grad) == 0
    assert _count(p for g in optimizer.param_groups for p in g["params"]) == 919_040 + 7_484_955
    assert _bn_training(model.backbone) == {False}
    assert _bn_training(model.neck) == {True} and _bn_training(model.head) == {True}
    assert optimizer.defaults["momentum"] == 0.9 and optimizer.defaults["weight_decay"] == 1e-4
    lr9 = 0.005 * 0.01 ** (4 / 14)
    assert scheduler.group_lrs() == pytest.approx({"neck": lr9, "head": lr9}, rel=1e-12)


def test_r50_layers_2_to_4_train_at_a_tenth_from_epoch_10(r50):
    cfg, model = r50
    optimizer, scheduler = build_optimizer(model, cfg, epoch=10)
    groups = {g["name"]: g for g in optimizer.param_groups}
    assert list(groups) == ["backbone", "neck", "head"]
    trained = {id(p) for p in groups["backbone"]["params"]}
    layers = ("layer2", "layer3", "layer4")
    expected = {id(p) for name in layers for p in model.backbone.get_submodule(name).parameters()}
    assert trained == expected
    assert _count(groups["backbone"]["params"]) == 2_268_160 + 11_292_672 + 31_741_952
    for frozen in ("conv1", "bn1", "layer1"):
        assert not any(p.requires_grad for p in model.backbone.get_submodule(frozen).parameters()), frozen
    assert _bn_training(model.backbone.bn1) == {False} and _bn_training(model.backbone.layer1) == {False}
    assert _bn_training(model.backbone.layer2) == {True} and _bn_training(model.backbone.layer4) == {True}
    lrs = scheduler.group_lrs()
    assert lrs["head"] == pytest.approx(0.005 * 0.01 ** (5 / 14), rel=1e-12)
    assert lrs["backbone"] == pytest.approx(0.1 * lrs["head"], rel=1e-12)
    # Refreezing (a run resumed before epoch 10 with this model object) restores the first stage exactly.
    set_backbone_stage(model, cfg.backbone, 0)
    assert _count(p for p in model.backbone.parameters() if p.requires_grad) == 0


def test_staging_works_from_train_layer_names_of_any_backbone():
    cfg = tiny_config(train_epoch=2)
    cfg = dataclasses.replace(cfg, backbone=dataclasses.replace(cfg.backbone, train_layers=("block1", "block2.0")))
    model = build_model(cfg).train()
    optimizer, _ = build_optimizer(model, cfg, epoch=1)
    assert [g["name"] for g in optimizer.param_groups] == ["neck", "head"]
    optimizer, _ = build_optimizer(model, cfg, epoch=2)
    names = {n for n, p in model.backbone.named_parameters() if p.requires_grad}
    assert names == {"block1.0.weight", "block1.1.weight", "block1.1.bias", "block2.0.weight"}
    assert model.backbone.block2[1].training is False  # block2.1 (its BN) is not named: frozen, eval mode
    assert model.backbone.block1[1].training is True
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * optimizer.param_groups[1]["lr"])


def test_unknown_train_layer_is_a_config_error_listing_the_modules():
    cfg = tiny_config()
    cfg = dataclasses.replace(cfg, backbone=dataclasses.replace(cfg.backbone, train_layers=("layer2",)))
    with pytest.raises(ConfigError, match=r"TRAIN_LAYERS: 'layer2' is not a module .* \(its top-level modules: stem"):
        build_optimizer(build_model(cfg), cfg, epoch=0)


def test_weight_decay_and_momentum_come_from_the_config():
    cfg = tiny_config(momentum=0.5, weight_decay=0.01)
    optimizer, _ = build_optimizer(build_model(cfg), cfg, epoch=0)
    assert isinstance(optimizer, torch.optim.SGD)
    assert (optimizer.defaults["momentum"], optimizer.defaults["weight_decay"]) == (0.5, 0.01)
