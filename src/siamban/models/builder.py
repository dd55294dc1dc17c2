"""One way to build any SiamBAN model from its typed config."""

from __future__ import annotations

import torch

from siamban.config import HeadConfig, SiamBANConfig
from siamban.errors import ConfigError
from siamban.models.backbones import build_backbone
from siamban.models.head import MultiBAN
from siamban.models.neck import AdjustAllLayer
from siamban.models.siamban import SiamBAN


def build_model(cfg: SiamBANConfig) -> SiamBAN:
    """Build the network described by ``cfg.backbone``, ``cfg.neck`` and ``cfg.head`` (random weights)."""
    backbone = build_backbone(cfg.backbone.type, **cfg.backbone.kwargs)
    channels = list(getattr(backbone, "out_channels", []))
    neck = None
    if cfg.neck.enabled:
        if cfg.neck.type != "AdjustAllLayer":
            raise ConfigError(f"ADJUST.TYPE {cfg.neck.type!r} is not supported (only AdjustAllLayer)")
        if channels and list(cfg.neck.in_channels) != channels:
            raise ConfigError(
                f"ADJUST.KWARGS.in_channels {list(cfg.neck.in_channels)} does not match the backbone's "
                f"output channels {channels}"
            )
        neck = AdjustAllLayer(cfg.neck.in_channels, cfg.neck.out_channels, cfg.neck.center_size, cfg.neck.crop_below)
        channels = list(cfg.neck.out_channels)
    head = build_head(cfg.head)
    if channels and list(cfg.head.in_channels) != channels:
        raise ConfigError(f"BAN.KWARGS.in_channels {list(cfg.head.in_channels)} does not match the neck's {channels}")
    return SiamBAN(backbone, neck, head)


def build_head(cfg: HeadConfig) -> MultiBAN:
    """The box-adaptive heads described by ``cfg`` (the ``BAN`` section; random weights)."""
    if not cfg.enabled or cfg.type != "MultiBAN":
        raise ConfigError(f"BAN.TYPE {cfg.type!r} is not supported (only MultiBAN with BAN: true)")
    return MultiBAN(
        cfg.in_channels, cfg.cls_out_channels, cfg.weighted, cfg.hidden_channels, cfg.kernel_size, loc_init=cfg.loc_init
    )


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
