"""Box adaptive heads built on depth-wise cross-correlation, and their multi-level weighted fusion.

Each branch splits into a template side (``make_kernel``: run once per target) and a search side (``correlate``: run
per frame), so the tracker computes the template side once at ``init`` and caches it.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def xcorr_depthwise(search: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Correlate each channel of ``search`` (B, C, H, W) with the same channel of ``kernel`` (B or 1, C, h, w).

    Returns (B, C, H - h + 1, W - w + 1). A kernel batch of 1 is shared by every search item. While exporting to
    ONNX it takes the form of ``xcorr_depthwise_shifted`` (a grouped convolution's ``group`` is a fixed attribute in
    ONNX, so B * C groups would freeze the batch size).
    """
    if torch.onnx.is_in_onnx_export():
        return xcorr_depthwise_shifted(search, kernel)
    batch, channels = search.shape[:2]
    if kernel.shape[0] != batch:
        kernel = kernel.expand(batch, *kernel.shape[1:])
    out = F.conv2d(
        search.reshape(1, batch * channels, search.shape[2], search.shape[3]),
        kernel.reshape(batch * channels, 1, kernel.shape[2], kernel.shape[3]),
        groups=batch * channels,
    )
    return out.reshape(batch, channels, out.shape[2], out.shape[3])


def xcorr_depthwise_shifted(search: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """``xcorr_depthwise`` as a sum of h * w shifted slices of ``search``, each scaled by one kernel tap.

    Only slices, products and sums, so it exports to ONNX with a free batch size (the kernel an input); the same
    numbers as the grouped convolution up to float32 summation order.
    """
    kh, kw = kernel.shape[2], kernel.shape[3]
    out_h, out_w = search.shape[2] - kh + 1, search.shape[3] - kw + 1
    out = search[:, :, :out_h, :out_w] * kernel[:, :, :1, :1]
    for u in range(kh):
        for v in range(kw):
            if u or v:
                out = out + search[:, :, u : u + out_h, v : v + out_w] * kernel[:, :, u : u + 1, v : v + 1]
    return out


def _conv_bn_relu(cin: int, cout: int, kernel_size: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel_size=kernel_size, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class DepthwiseXCorr(nn.Module):
    """One branch: conv on template and on search features, depth-wise correlation, then a 1x1 head."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, kernel_size: int = 3) -> None:
        super().__init__()
        self.conv_kernel = _conv_bn_relu(in_channels, hidden, kernel_size)
        self.conv_search = _conv_bn_relu(in_channels, hidden, kernel_size)
        self.head = nn.Sequential(
            nn.Conv2d(hidden, hidden, kernel_size=1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, out_channels, kernel_size=1),
        )

    def make_kernel(self, template_features: torch.Tensor) -> torch.Tensor:
        return self.conv_kernel(template_features)

    def correlate(self, search_features: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
        return self.head(xcorr_depthwise(self.conv_search(search_features), kernel))

    def forward(self, template_features: torch.Tensor, search_features: torch.Tensor) -> torch.Tensor:
        return self.correlate(search_features, self.make_kernel(template_features))


class DepthwiseBAN(nn.Module):
    """Classification (``cls_out_channels`` outputs) and regression (4 outputs) branches of one level."""

    def __init__(self, in_channels: int, hidden: int, cls_out_channels: int = 2, kernel_size: int = 3) -> None:
        super().__init__()
        self.cls = DepthwiseXCorr(in_channels, hidden, cls_out_channels, kernel_size)
        self.loc = DepthwiseXCorr(in_channels, hidden, 4, kernel_size)


class MultiBAN(nn.Module):
    """One DepthwiseBAN per level (``box2``, ``box3``, ...), fused by softmax-normalised learned weights.

    Regression of level i is ``exp(loc_scale[i] * raw)``: distances (l, t, r, b) in search-crop pixels.
    """

    def __init__(
        self,
        in_channels: Sequence[int],
        cls_out_channels: int = 2,
        weighted: bool = True,
        hidden_channels: int = 0,
        kernel_size: int = 3,
        first_level: int = 2,
        loc_init: float = 0.0,
    ) -> None:
        super().__init__()
        self.weighted = weighted
        self.names = [f"box{first_level + i}" for i in range(len(in_channels))]
        for name, cin in zip(self.names, in_channels):
            self.add_module(name, DepthwiseBAN(cin, hidden_channels or cin, cls_out_channels, kernel_size))
        levels = len(in_channels)
        if weighted:
            self.cls_weight = nn.Parameter(torch.ones(levels))
            self.loc_weight = nn.Parameter(torch.ones(levels))
        self.loc_scale = nn.Parameter(torch.ones(levels))
        if loc_init > 0:  # start the regression at loc_init pixels instead of exp(~0) = 1 pixel
            for name in self.names:
                nn.init.constant_(getattr(self, name).loc.head[-1].bias, math.log(loc_init))

    def make_kernels(self, template_features: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        """Template side of every branch, flattened as (cls_2, loc_2, cls_3, loc_3, ...)."""
        kernels: list[torch.Tensor] = []
        for name, z in zip(self.names, template_features):
            box = getattr(self, name)
            kernels += [box.cls.make_kernel(z), box.loc.make_kernel(z)]
        return tuple(kernels)

    def track(
        self, search_features: Sequence[torch.Tensor], kernels: Sequence[torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-frame side: (cls (B, C, S, S), loc (B, 4, S, S)) from search features and cached kernels."""
        cls_maps, loc_maps = [], []
        for i, (name, x) in enumerate(zip(self.names, search_features)):
            box = getattr(self, name)
            cls_maps.append(box.cls.correlate(x, kernels[2 * i]))
            loc_maps.append(torch.exp(box.loc.correlate(x, kernels[2 * i + 1]) * self.loc_scale[i]))
        return self._fuse(cls_maps, self.cls_weight if self.weighted else None), self._fuse(
            loc_maps, self.loc_weight if self.weighted else None
        )

    @staticmethod
    def _fuse(maps: list[torch.Tensor], weight: torch.Tensor | None) -> torch.Tensor:
        if weight is None:
            return sum(maps[1:], maps[0]) / len(maps)
        w = F.softmax(weight, 0)
        fused = maps[0] * w[0]
        for i in range(1, len(maps)):
            fused = fused + maps[i] * w[i]
        return fused

    def forward(
        self, template_features: Sequence[torch.Tensor], search_features: Sequence[torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.track(search_features, self.make_kernels(template_features))
