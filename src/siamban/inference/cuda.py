"""The per-frame step replayed from one CUDA graph: at batch 1 the GPU is starved by kernel launches (fp16 eager is
slower than fp32), and replaying a captured graph removes them (about 4x on an H100, see docs/inference.md)."""

from __future__ import annotations

import torch
from torch import nn

from siamban.models.siamban import SiameseNetwork


class CudaGraphStep(nn.Module):
    """``network`` (template / track interface) whose ``track`` replays a CUDA graph captured on first use.

    The graph reads a static search-crop buffer and static kernel buffers; each call copies its inputs into them,
    replays, and returns copies of the static outputs. A new input shape (batch, crop size) re-captures. Off CUDA
    (or while capturing is impossible) it simply calls ``network``.
    """

    def __init__(self, network: SiameseNetwork, warmup: int = 3) -> None:
        super().__init__()
        self.network = network
        self.warmup = warmup
        self._graph: torch.cuda.CUDAGraph | None = None
        self._shapes: tuple | None = None
        self._static_x: torch.Tensor | None = None
        self._static_kernels: tuple[torch.Tensor, ...] = ()
        self._kernels_source: tuple[torch.Tensor, ...] | None = None
        self._outputs: tuple[torch.Tensor, torch.Tensor] | None = None

    def template(self, z: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.network.template(z)

    def track(self, x: torch.Tensor, kernels: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        if x.device.type != "cuda":
            return self.network.track(x, kernels)
        shapes = (tuple(x.shape), x.dtype, tuple(tuple(k.shape) for k in kernels))
        if shapes != self._shapes:
            self._capture(x, kernels)
            self._shapes = shapes
        assert self._graph is not None and self._static_x is not None and self._outputs is not None
        self._static_x.copy_(x)
        if kernels is not self._kernels_source:  # a new target (or another tracker sharing this network)
            for static, kernel in zip(self._static_kernels, kernels):
                static.copy_(kernel)
            self._kernels_source = kernels
        self._graph.replay()
        return self._outputs[0].clone(), self._outputs[1].clone()

    def _capture(self, x: torch.Tensor, kernels: tuple[torch.Tensor, ...]) -> None:
        self._static_x = x.clone()
        self._static_kernels = tuple(k.clone() for k in kernels)
        self._kernels_source = kernels
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm-up on a side stream, as capture requires (cuDNN picks its algorithms)
            for _ in range(self.warmup):
                self.network.track(self._static_x, self._static_kernels)
        torch.cuda.current_stream().wait_stream(side)
        self._graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self._graph):
            self._outputs = self.network.track(self._static_x, self._static_kernels)

    def forward(self, z: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.track(x, self.template(z))
