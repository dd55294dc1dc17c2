"""ResNet-50 with the official SiamBAN (pysot "atrous") modifications.

Stride 8 from layer2 on: layer3 and layer4 keep stride 1 and use dilation 2 and 4. The stem convolution has no
padding, a stride-2 3x3 convolution has no padding, and the shortcut of layers 2-4 is a 3x3 convolution. These
choices fix the feature sizes (15x15 for a 127 template, 31x31 for a 255 search) and the checkpoint's shapes.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from siamban.models.backbones import register_backbone


class Bottleneck(nn.Module):
    """1x1 -> 3x3 -> 1x1 residual block with expansion 4."""

    expansion = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        dilation: int = 1,
        downsample: nn.Sequential | None = None,
    ) -> None:
        super().__init__()
        padding = 2 - stride
        if downsample is not None and dilation > 1:
            # The first block of a dilated layer uses half the layer's rate.
            dilation //= 2
            padding = dilation
        if dilation > 1:
            padding = dilation
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(
            planes, planes, kernel_size=3, stride=stride, padding=padding, dilation=dilation, bias=False
        )
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


def _shortcut(inplanes: int, outplanes: int, stride: int, dilation: int) -> nn.Sequential:
    if stride == 1 and dilation == 1:
        conv = nn.Conv2d(inplanes, outplanes, kernel_size=1, stride=1, bias=False)
    else:
        rate = dilation // 2 if dilation > 1 else 1
        padding = rate if dilation > 1 else 0
        conv = nn.Conv2d(
            inplanes, outplanes, kernel_size=3, stride=stride, padding=padding, dilation=rate, bias=False
        )
    return nn.Sequential(conv, nn.BatchNorm2d(outplanes))


class ResNetAtrous(nn.Module):
    """ResNet trunk returning the outputs of ``used_layers`` (1..4), e.g. layer2/3/4 for SiamBAN."""

    def __init__(self, layers: Sequence[int] = (3, 4, 6, 3), used_layers: Sequence[int] = (2, 3, 4)) -> None:
        super().__init__()
        self.used_layers = tuple(int(i) for i in used_layers)
        if not self.used_layers or min(self.used_layers) < 1 or max(self.used_layers) > 4:
            raise ValueError(f"used_layers must name layers 1..4, got {list(used_layers)}")
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=0, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        top = max(self.used_layers)
        if top >= 3:
            self.layer3 = self._make_layer(256, layers[2], stride=1, dilation=2)
        if top >= 4:
            self.layer4 = self._make_layer(512, layers[3], stride=1, dilation=4)
        self.out_channels = [(64 * 2 ** (i - 1)) * Bottleneck.expansion for i in self.used_layers]
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def _make_layer(self, planes: int, blocks: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * Bottleneck.expansion:
            downsample = _shortcut(self.inplanes, planes * Bottleneck.expansion, stride, dilation)
        layers = [Bottleneck(self.inplanes, planes, stride, dilation, downsample)]
        self.inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self.inplanes, planes, dilation=dilation) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        outputs = []
        for i in range(1, max(self.used_layers) + 1):
            x = getattr(self, f"layer{i}")(x)
            if i in self.used_layers:
                outputs.append(x)
        return outputs


@register_backbone("resnet50")
def resnet50(used_layers: Sequence[int] = (2, 3, 4)) -> ResNetAtrous:
    """The SiamBAN ResNet-50 (45.5 M parameters with the 3x3 shortcuts)."""
    return ResNetAtrous((3, 4, 6, 3), used_layers)


register_backbone("res50")(resnet50)  # the official config code's default name
