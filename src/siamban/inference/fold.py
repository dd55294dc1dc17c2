"""Batch-norm folding for inference.

``fold_batchnorm`` works on any backbone: it finds every ``Conv2d -> BatchNorm2d`` pair by watching one forward pass
(so it needs no knowledge of the architecture) and folds the normalisation into the convolution's weight and bias.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from siamban.models.siamban import SiamBAN


def _probe_run(model: SiamBAN, exemplar_size: int) -> None:
    """One template pass and one per-frame pass on a random template-sized crop (every module runs once)."""
    device = next(model.parameters()).device
    z = torch.rand(1, 3, exemplar_size, exemplar_size, device=device) * 255
    with torch.inference_mode():
        model.track(z, model.template(z))


def conv_batchnorm_pairs(model: SiamBAN, exemplar_size: int = 127) -> list[tuple[str, str]]:
    """Names of every (Conv2d, BatchNorm2d) pair where the BN reads the conv's output and nothing else does."""
    names = {id(m): n for n, m in model.named_modules()}
    conv_outputs: list[tuple[torch.Tensor, str]] = []
    pairs: dict[str, str] = {}
    other_readers: set[str] = set()

    def find(t: object) -> str | None:
        for out, name in conv_outputs:
            if t is out:
                return name
        return None

    def after_conv(module: nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
        conv_outputs.append((output, names[id(module)]))  # holding the tensor keeps its identity unique

    def before_any(module: nn.Module, inputs: tuple) -> None:
        for t in inputs:
            source = find(t)
            if source is None:
                continue
            if isinstance(module, nn.BatchNorm2d) and source not in pairs:
                pairs[source] = names[id(module)]
            elif not isinstance(module, nn.BatchNorm2d) and not list(module.children()):
                other_readers.add(source)  # a leaf module (not the BN) also reads the conv's raw output

    hooks = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            hooks.append(module.register_forward_hook(after_conv))
        hooks.append(module.register_forward_pre_hook(before_any))
    try:
        _probe_run(model, exemplar_size)
    finally:
        for hook in hooks:
            hook.remove()
    return [(conv, bn) for conv, bn in pairs.items() if conv not in other_readers]


def set_submodule(root: nn.Module, name: str, module: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    setattr(root.get_submodule(parent_name) if parent_name else root, child, module)


@torch.no_grad()
def fold_batchnorm(model: SiamBAN, exemplar_size: int = 127) -> SiamBAN:
    """A copy of ``model`` (in eval mode) with every batch norm that follows a convolution folded into it.

    ``conv(x) * g / sqrt(v + eps) + (b - m * g / sqrt(v + eps))`` becomes one convolution; the BN becomes Identity.
    """
    fused = copy.deepcopy(model).eval()
    for conv_name, bn_name in conv_batchnorm_pairs(fused, exemplar_size):
        conv, bn = fused.get_submodule(conv_name), fused.get_submodule(bn_name)
        assert isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d)  # what conv_batchnorm_pairs names
        running_mean, running_var = bn.running_mean, bn.running_var
        assert running_mean is not None and running_var is not None  # our models' BNs track running statistics
        scale = bn.weight.double() / torch.sqrt(running_var.double() + bn.eps)
        bias = conv.bias.double() if conv.bias is not None else torch.zeros_like(scale)
        weight = conv.weight.double() * scale.reshape(-1, *([1] * (conv.weight.dim() - 1)))
        new_bias = (bias - running_mean.double()) * scale + bn.bias.double()
        conv.weight.copy_(weight.to(conv.weight.dtype))
        if conv.bias is None:
            conv.bias = nn.Parameter(new_bias.to(conv.weight.dtype), requires_grad=False)
        else:
            conv.bias.copy_(new_bias.to(conv.bias.dtype))
        set_submodule(fused, bn_name, nn.Identity())
    return fused
