"""Adjust layers: 1x1 convolutions that bring every backbone level to the head's width."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


def center_crop(features: torch.Tensor, size: int) -> torch.Tensor:
    """Keep the centre ``size x size`` window of a feature map (7x7 of the 15x15 template map: indices 4..10)."""
    start = (features.shape[-1] - size) // 2
    return features[:, :, start : start + size, start : start + size]


class AdjustLayer(nn.Module):
    """1x1 conv + BN; template-sized maps (narrower than ``crop_below``) keep only their centre window."""

    def __init__(self, in_channels: int, out_channels: int, center_size: int = 7, crop_below: int = 20) -> None:
        super().__init__()
        self.downsample = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False), nn.BatchNorm2d(out_channels)
        )
        self.center_size = center_size
        self.crop_below = crop_below

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.downsample(x)
        if x.shape[-1] < self.crop_below:
            x = center_crop(x, self.center_size)
        return x


class AdjustAllLayer(nn.Module):
    """One AdjustLayer per level (``downsample2``, ``downsample3``, ... as in the official checkpoints)."""

    def __init__(
        self,
        in_channels: Sequence[int],
        out_channels: Sequence[int],
        center_size: int = 7,
        crop_below: int = 20,
        first_level: int = 2,
    ) -> None:
        super().__init__()
        if len(in_channels) != len(out_channels):
            raise ValueError("neck in_channels and out_channels must have the same length")
        self.names = [f"downsample{first_level + i}" for i in range(len(in_channels))]
        for name, cin, cout in zip(self.names, in_channels, out_channels):
            self.add_module(name, AdjustLayer(cin, cout, center_size, crop_below))

    def forward(self, features: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        return [getattr(self, name)(f) for name, f in zip(self.names, features)]
