"""Pre-packed oneDNN convolutions for the CPU, with ReLU / ReLU6 / residual add fused as post-ops.

``pack_for_cpu`` replaces the convolutions of a BN-folded network by oneDNN convolutions whose weights are re-ordered
once, ahead of time (instead of on every call), fusing a following ReLU or ReLU6 (or a residual add) where the module
structure shows it is safe. It pays most in bf16, where the plain path converts the weights on every call.
"""

from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn

from siamban.inference.fold import set_submodule
from siamban.models.backbones.efficientnet_lite import MBConvBlock
from siamban.models.backbones.resnet_atrous import Bottleneck, ResNetAtrous
from siamban.models.siamban import SiamBAN

#: activations a packed convolution can fuse: name -> (oneDNN post-op, its scalars)
ACTIVATIONS: dict[str, tuple[str, list[float]]] = {
    "none": ("none", []),
    "relu": ("relu", []),
    "relu6": ("hardtanh", [0.0, 6.0]),
}
ACTIVATION_MODULES: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "relu6": nn.ReLU6}

def onednn_available() -> bool:
    """True when this PyTorch build has the oneDNN fused-convolution operators used by ``pack_for_cpu``."""
    if not torch.backends.mkldnn.is_available():
        return False
    ops = torch.ops.mkldnn
    return hasattr(ops, "_convolution_pointwise") and hasattr(ops, "_reorder_convolution_weight")


class PackedConv2d(nn.Module):
    """A convolution with its weight re-ordered once for oneDNN and an optional fused activation / residual add.

    ``forward(x, residual)`` computes ``act(conv(x) + residual)`` in one oneDNN primitive; ``activation`` is a key
    of ``ACTIVATIONS``. Inputs should be channels-last; the output is channels-last.
    """

    def __init__(self, conv: nn.Conv2d, activation: str, dtype: torch.dtype, example_shape: list[int]) -> None:
        super().__init__()
        self.padding = list(conv.padding)
        self.stride = list(conv.stride)
        self.dilation = list(conv.dilation)
        self.groups = conv.groups
        self.unary, self.scalars = ACTIVATIONS[activation]
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
                x, self.weight, self.bias, self.padding, self.stride, self.dilation, self.groups, self.unary,
                self.scalars, "",
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
            self.scalars,
            "",
        )


class PackedBottleneck(nn.Module):
    """A folded ResNet bottleneck as three packed convolutions: ReLU fused into the first two, add + ReLU into the
    last."""

    def __init__(self, block: Bottleneck, pack: Callable[[nn.Conv2d, str], nn.Module]) -> None:
        super().__init__()
        self.conv1 = pack(block.conv1, "relu")
        self.conv2 = pack(block.conv2, "relu")
        self.conv3 = pack(block.conv3, "relu")
        shortcut = None if block.downsample is None else block.downsample[0]
        assert shortcut is None or isinstance(shortcut, nn.Conv2d)  # ResNet shortcuts: a conv and its (folded) BN
        self.downsample = None if shortcut is None else pack(shortcut, "none")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        return self.conv3(self.conv2(self.conv1(x)), identity)


class PackedMBConv(nn.Module):
    """A folded EfficientNet-Lite inverted residual as packed convolutions: ReLU6 fused into the expansion and the
    depth-wise convolution, the residual add into the projection."""

    def __init__(self, block: MBConvBlock, pack: Callable[[nn.Conv2d, str], nn.Module]) -> None:
        super().__init__()
        self.expand = pack(block.expand_conv, "relu6") if hasattr(block, "expand_conv") else None
        self.pad = block.pad
        self.depthwise = pack(block.depthwise_conv, "relu6")
        self.project = pack(block.project_conv, "none")
        self.residual = block.residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x if self.expand is None else self.expand(x)
        out = self.depthwise(self.pad(out))
        return self.project(out, x) if self.residual else self.project(out)


def _activation_name(module: nn.Module) -> str:
    """The ``ACTIVATIONS`` key of ``module`` ("none" when it is not a fusable activation)."""
    if isinstance(module, nn.ReLU):
        return "relu"
    if isinstance(module, nn.Hardtanh) and (module.min_val, module.max_val) == (0.0, 6.0):  # ReLU6 included
        return "relu6"
    return "none"


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
    """A copy of a BN-folded ``model`` whose convolutions are pre-packed oneDNN ones, with activations / add fused.

    Fusion is applied where the module structure makes it safe: ``Sequential(conv, [Identity,] ReLU or ReLU6)`` runs,
    folded ResNet bottlenecks and EfficientNet-Lite blocks, and the ResNet stem; every other convolution is packed
    without a post-op. Without oneDNN the copy keeps plain convolutions (cast to ``dtype``).
    """
    packed = copy.deepcopy(model).eval().float()
    if not onednn_available():
        return packed.to(dtype)
    shapes = _conv_input_shapes(packed, search_size, exemplar_size)
    uses = _use_counts(packed)

    def pack(conv: nn.Conv2d, activation: str) -> nn.Module:
        if conv.padding_mode != "zeros" or isinstance(conv.padding, str) or id(conv) not in shapes:
            plain = conv.to(dtype)  # keeps its activation as a separate module
            return plain if activation == "none" else nn.Sequential(plain, ACTIVATION_MODULES[activation]())
        return PackedConv2d(conv, activation, dtype, shapes[id(conv)])

    replaced: list[str] = []
    for name, module in list(packed.named_modules()):
        if any(name.startswith(prefix + ".") for prefix in replaced):
            continue  # inside a block already rebuilt
        if isinstance(module, ResNetAtrous) and _is_identity(module, "bn1") and uses.get(id(module.relu)) == 1:
            set_submodule(module, "conv1", pack(module.conv1, "relu"))  # the ReLU is fused into the conv
            set_submodule(module, "relu", nn.Identity())
        elif isinstance(module, Bottleneck) and _is_identity(module, "bn1", "bn2", "bn3"):
            shortcut = module.downsample
            if shortcut is None or (len(shortcut) == 2 and isinstance(shortcut[1], nn.Identity)):
                set_submodule(packed, name, PackedBottleneck(module, pack))
                replaced.append(name)
        elif isinstance(module, MBConvBlock) and _is_identity(module, "depthwise_bn", "project_bn") and (
            not hasattr(module, "expand_conv") or _is_identity(module, "expand_bn")
        ):
            set_submodule(packed, name, PackedMBConv(module, pack))
            replaced.append(name)
        elif isinstance(module, nn.Sequential):
            children = list(module.children())
            for i, child in enumerate(children):
                if not isinstance(child, nn.Conv2d):
                    continue
                j = i + 1
                while j < len(children) and isinstance(children[j], nn.Identity):
                    j += 1
                activation = "none"
                if j < len(children) and uses.get(id(children[j])) == 1:
                    activation = _activation_name(children[j])
                module[i] = pack(child, activation)
                if activation != "none":
                    module[j] = nn.Identity()
    for name, module in list(packed.named_modules()):
        if isinstance(module, nn.Conv2d):
            set_submodule(packed, name, pack(module, "none"))
    return packed
