"""Pre-packed oneDNN convolutions for the CPU, with ReLU / residual add fused as post-ops.

``pack_for_cpu`` replaces the convolutions of a BN-folded network by oneDNN convolutions whose weights are re-ordered
once, ahead of time (instead of on every call), fusing a following ReLU (or a residual add + ReLU) where the module
structure shows it is safe. It pays most in bf16, where the plain path converts the weights on every call.
"""

from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn

from siamban.inference.fold import set_submodule
from siamban.models.backbones.resnet_atrous import Bottleneck, ResNetAtrous
from siamban.models.siamban import SiamBAN



def onednn_available() -> bool:
    """True when this PyTorch build has the oneDNN fused-convolution operators used by ``pack_for_cpu``."""
    if not torch.backends.mkldnn.is_available():
        return False
    ops = torch.ops.mkldnn
    return hasattr(ops, "_convolution_pointwise") and hasattr(ops, "_reorder_convolution_weight")


class PackedConv2d(nn.Module):
    """A convolution with its weight re-ordered once for oneDNN and an optional fused ReLU / residual add.

    ``forward(x, residual)`` computes ``act(conv(x) + residual)`` in one oneDNN primitive. Inputs should be
    channels-last; the output is channels-last.
    """

    def __init__(self, conv: nn.Conv2d, relu: bool, dtype: torch.dtype, example_shape: list[int]) -> None:
        super().__init__()
        self.padding = list(conv.padding)
        self.stride = list(conv.stride)
        self.dilation = list(conv.dilation)
        self.groups = conv.groups
        self.unary = "relu" if relu else "none"
        weight = conv.weight.detach().to(dtype)
        # plain attributes, not buffers: the packed (opaque oneDNN) tensor cannot be copied or saved
        self.weight = torch.ops.mkldnn._reorder_convolution_weight(
            weight, self.padding, self.stride, self.dilation, self.groups, example_shape
        )
        self.bias = None if conv.bias is None else conv.bias.detach().to(dtype)

    def forward(self, x: torch.Tensor, residual: torch.Tensor | None = None) -> torch.Tensor:
        x = x.contiguous(memory_format=torch.channels_last)
        if residual is None:
            return torch.ops.mkldnn._convolution_pointwise(
                x, self.weight, self.bias, self.padding, self.stride, self.dilation, self.groups, self.unary, [], ""
            )
        return torch.ops.mkldnn._convolution_pointwise.binary(
            x,
            residual,
            self.weight,
            self.bias,
            self.padding,
            self.stride,
            self.dilation,
            self.groups,
            "add",
            None,
            None if self.unary == "none" else self.unary,
            [],
            "",
        )


class PackedBottleneck(nn.Module):
    """A folded ResNet bottleneck as three packed convolutions: ReLU fused into the first two, add + ReLU into the last."""

    def __init__(self, block: Bottleneck, pack: Callable[[nn.Conv2d, bool], nn.Module]) -> None:
        super().__init__()
        self.conv1 = pack(block.conv1, True)
        self.conv2 = pack(block.conv2, True)
        self.conv3 = pack(block.conv3, True)
        self.downsample = None if block.downsample is None else pack(block.downsample[0], False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        return self.conv3(self.conv2(self.conv1(x)), identity)


def _is_identity(module: nn.Module, *names: str) -> bool:
    return all(isinstance(getattr(module, n, None), nn.Identity) for n in names)


def _conv_input_shapes(model: SiamBAN, search_size: int, exemplar_size: int) -> dict[int, list[int]]:
    """Input shape of every convolution on a search crop (oneDNN picks its weight layout for this shape)."""
    shapes: dict[int, list[int]] = {}

    def record(module: nn.Module, inputs: tuple) -> None:
        shapes[id(module)] = list(inputs[0].shape)  # the per-frame pass runs last and wins

    hooks = [m.register_forward_pre_hook(record) for m in model.modules() if isinstance(m, nn.Conv2d)]
    try:
        with torch.inference_mode():
            z = torch.rand(1, 3, exemplar_size, exemplar_size) * 255
            x = torch.rand(1, 3, search_size, search_size) * 255
            model.track(x, model.template(z))
    finally:
        for hook in hooks:
            hook.remove()
    return shapes


def _use_counts(root: nn.Module) -> dict[int, int]:
    """How many parents hold each module (a module shared by two parents may not be fused away)."""
    counts: dict[int, int] = {}
    for module in root.modules():
        for child in module.children():
            counts[id(child)] = counts.get(id(child), 0) + 1
    return counts


@torch.no_grad()
def pack_for_cpu(
    model: SiamBAN, dtype: torch.dtype = torch.float32, search_size: int = 255, exemplar_size: int = 127
) -> SiamBAN:
    """A copy of a BN-folded ``model`` whose convolutions are pre-packed oneDNN ones, with ReLU / add fused.

    Fusion is applied where the module structure makes it safe: ``Sequential(conv, [Identity,] ReLU)`` runs, folded
    ResNet bottlenecks and the ResNet stem; every other convolution is packed without a post-op. Without oneDNN the
    copy keeps plain convolutions (cast to ``dtype``).
    """
    packed = copy.deepcopy(model).eval().float()
    if not onednn_available():
        return packed.to(dtype)
    shapes = _conv_input_shapes(packed, search_size, exemplar_size)
    uses = _use_counts(packed)

    def pack(conv: nn.Conv2d, relu: bool) -> nn.Module:
        if conv.padding_mode != "zeros" or isinstance(conv.padding, str) or id(conv) not in shapes:
            return conv.to(dtype)
        return PackedConv2d(conv, relu, dtype, shapes[id(conv)])

    replaced: list[str] = []
    for name, module in list(packed.named_modules()):
        if any(name.startswith(prefix + ".") for prefix in replaced):
            continue  # inside a block already rebuilt
        if isinstance(module, ResNetAtrous) and _is_identity(module, "bn1") and uses.get(id(module.relu)) == 1:
            module.conv1, module.relu = pack(module.conv1, True), nn.Identity()
        elif isinstance(module, Bottleneck) and _is_identity(module, "bn1", "bn2", "bn3"):
            shortcut = module.downsample
            if shortcut is None or (len(shortcut) == 2 and isinstance(shortcut[1], nn.Identity)):
                set_submodule(packed, name, PackedBottleneck(module, pack))
                replaced.append(name)
        elif isinstance(module, nn.Sequential):
            children = list(module.children())
            for i, child in enumerate(children):
                if not isinstance(child, nn.Conv2d):
                    continue
                j = i + 1
                while j < len(children) and isinstance(children[j], nn.Identity):
                    j += 1
                relu = j < len(children) and isinstance(children[j], nn.ReLU) and uses.get(id(children[j])) == 1
                module[i] = pack(child, relu)
                if relu:
                    module[j] = nn.Identity()
    for name, module in list(packed.named_modules()):
        if isinstance(module, nn.Conv2d):
            set_submodule(packed, name, pack(module, False))
    return packed
