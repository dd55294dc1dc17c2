"""The SiamBAN network: backbone, neck and box adaptive heads, with a split template / per-frame interface."""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

from siamban.models.head import MultiBAN


class SiameseNetwork(Protocol):
    """SiamBAN's split interface: ``template`` once per target, ``track`` per frame (a ``SiamBAN`` or a wrapper)."""

    def template(self, z: torch.Tensor) -> tuple[torch.Tensor, ...]: ...

    def track(self, x: torch.Tensor, kernels: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]: ...


class SiamBAN(nn.Module):
    """Siamese box adaptive network.

    ``template(z)`` runs once per target and returns the cached kernels (the template side of every head);
    ``track(x, kernels)`` runs per frame; ``forward(z, x)`` is both at once, for training.
    Inputs are float32 NCHW images with pixel values 0..255 in BGR order and no normalisation (as the official model).
    """

    def __init__(self, backbone: nn.Module, neck: nn.Module | None, head: MultiBAN) -> None:
        super().__init__()
        self.backbone = backbone
        if neck is not None:
            self.neck = neck
        self.head = head

    def features(self, image: torch.Tensor) -> list[torch.Tensor]:
        """Backbone levels after the neck (template maps are centre-cropped by the neck)."""
        features = self.backbone(image)
        if hasattr(self, "neck"):
            features = self.neck(features)
        return features

    def template(self, z: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Kernels of every head branch for template crops ``z`` (B, 3, 127, 127)."""
        return self.head.make_kernels(self.features(z))

    def track(self, x: torch.Tensor, kernels: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        """Maps for search crops ``x`` (B, 3, 255, 255): cls (B, 2, 25, 25) logits, loc (B, 4, 25, 25) distances."""
        return self.head.track(self.features(x), kernels)

    def forward(self, z: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.track(x, self.template(z))
