"""Backbone registry: every feature extractor is built by name from ``BackboneConfig.type``."""

from __future__ import annotations

from typing import Any, Callable

from torch import nn

from siamban.errors import ConfigError

_BACKBONES: dict[str, Callable[..., nn.Module]] = {}


def register_backbone(name: str) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    """Decorator: make a backbone constructor buildable by ``name`` (tests and plug-ins may register their own)."""

    def wrap(factory: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        _BACKBONES[name] = factory
        return factory

    return wrap


def backbone_names() -> list[str]:
    return sorted(_BACKBONES)


def build_backbone(name: str, **kwargs: Any) -> nn.Module:
    """Build a registered backbone. It maps an image batch to a list of feature maps (one per used level)."""
    if name not in _BACKBONES:
        raise ConfigError(f"BACKBONE.TYPE {name!r} is not a known backbone (known: {', '.join(backbone_names())})")
    try:
        return _BACKBONES[name](**kwargs)
    except TypeError as exc:
        raise ConfigError(f"BACKBONE.KWARGS for {name!r}: {exc}") from None


from siamban.models.backbones import resnet_atrous  # noqa: E402,F401  (registers resnet50)
from siamban.models.backbones import efficientnet_lite  # noqa: E402,F401  (registers efficientnet_lite0)
