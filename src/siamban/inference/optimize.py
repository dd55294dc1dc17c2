"""One call from a trained SiamBAN to its fastest inference form on the current device, same interface.

CPU: batch norm folded into the convolutions, convolutions pre-packed for oneDNN (channels-last, ReLU fused), fp32
or bf16 weights and activations. CUDA: folded, fp16/bf16/fp32, channels-last unless the network has depthwise
convolutions, and the per-frame step replayed from a CUDA graph (``siamban.inference.cuda``). Outputs are always
float32, whatever the precision inside.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

import torch
from torch import nn

from siamban._environment import quiet_openmp_waits  # noqa: F401  (its home is the import-time module)
from siamban.errors import ConfigError
from siamban.inference.fold import fold_batchnorm
from siamban.inference.onednn import onednn_available, pack_for_cpu
from siamban.models.siamban import SiamBAN, SiameseNetwork

if TYPE_CHECKING:
    from siamban.inference.cuda import CudaGraphStep

Precision = Literal["fp32", "bf16", "fp16"]
PRECISIONS: tuple[str, ...] = get_args(Precision)
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


class InferenceModel(nn.Module):
    """A rewritten SiamBAN behind the same ``template(z)`` / ``track(x, kernels)`` interface.

    Inputs may be any float NCHW tensor: they are cast to the network's dtype and memory format here; ``track``
    returns float32 maps.
    """

    def __init__(self, model: SiameseNetwork, dtype: torch.dtype, channels_last: bool) -> None:
        super().__init__()
        self.model = model
        self.dtype = dtype
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format

    def _prepare(self, image: torch.Tensor) -> torch.Tensor:
        return image.to(dtype=self.dtype, memory_format=self.memory_format)

    def template(self, z: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.model.template(self._prepare(z))

    def track(self, x: torch.Tensor, kernels: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        cls, loc = self.model.track(self._prepare(x), kernels)
        return cls.float(), loc.float()

    def forward(self, z: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.track(x, self.template(z))


def check_precision(precision: str, device: torch.device) -> torch.dtype:
    """The dtype of ``precision`` on ``device``; ConfigError for an unknown name or fp16 on the CPU."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision {precision!r}: expected one of {', '.join(PRECISIONS)}")
    if precision == "fp16" and device.type == "cpu":
        raise ConfigError("precision 'fp16' is for CUDA only: on the CPU use bf16 (or fp32)")
    return DTYPES[precision]


@torch.no_grad()
def optimize_for_inference(
    model: SiamBAN,
    precision: Precision = "fp32",
    channels_last: bool | None = None,
    pack: bool | None = None,
    cuda_graph: bool = True,
) -> InferenceModel | CudaGraphStep:
    """A copy of ``model`` rewritten for inference on the device it sits on (eval mode, no gradients).

    Folds batch norm; on the CPU pre-packs the convolutions for oneDNN when ``pack`` (default: when available; it
    implies channels-last); on CUDA wraps the per-frame step in a CUDA graph when ``cuda_graph``. ``precision`` is the
    dtype of weights and activations (fp16: CUDA only). ``channels_last`` defaults to ``prefers_channels_last``.
    The original model is left untouched.
    """
    device = next(model.parameters()).device
    dtype = check_precision(precision, device)
    folded = fold_batchnorm(model.eval())
    if device.type == "cpu":
        pack = onednn_available() if pack is None else pack
        if pack:
            return InferenceModel(pack_for_cpu(folded, dtype).requires_grad_(False), dtype, channels_last=True)
    if channels_last is None:
        channels_last = prefers_channels_last(folded)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    # torch's stubs for Module.to omit the memory_format keyword it takes (and documents)
    converted = folded.to(dtype=dtype, memory_format=memory_format)  # type: ignore[call-overload]
    network = InferenceModel(converted.requires_grad_(False), dtype, channels_last)
    if device.type == "cuda" and cuda_graph:
        from siamban.inference.cuda import CudaGraphStep

        return CudaGraphStep(network)
    return network


def prefers_channels_last(model: nn.Module) -> bool:
    """Whether ``model`` runs faster channels-last on CUDA: yes for dense convolutions (ResNet-50: 869 against 524
    per-frame steps/s at batch 1 in fp16 on an H200), no once it has depthwise ones, which cuDNN runs slowly in that
    layout (EfficientNet-Lite0: 1430 against 1683 at batch 1, 5171 against 7966 at batch 256;
    benchmarks/results/speed_cuda_memory_format.json)."""
    return not any(
        isinstance(m, nn.Conv2d) and m.groups > 1 and m.groups == m.in_channels for m in model.modules()
    )


def physical_cores() -> int:
    """Physical CPU cores this process may run on (hyper-threads counted once), from /proc/cpuinfo when readable."""
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        cores, physical, core = set(), "0", None
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = (part.strip() for part in line.partition(":"))
            if key == "physical id":
                physical = value
            elif key == "core id":
                core = value
            elif not key and core is not None:
                cores.add((physical, core))
                core = None
        if core is not None:
            cores.add((physical, core))
        logical = os.cpu_count() or 1
        per_core = max(1, logical // len(cores)) if cores else 1
    except OSError:
        per_core = 1
    return max(1, allowed // per_core)


#: Cores' worth of CPU time other processes may use before the default drops below one thread per core: half a core,
#: so a sustained job (a core or more) always counts and a blip during the 0.2 s reading does not. Measured
#: (docs/inference.md, 2-core machine, lite0 fp32 end to end): idle, 2 threads 48 frames/s against 28 for 1; beside
#: 2 busy processes, 2 threads 2.4 against 15 for 1 (each parallel region waits for the thread the scheduler set
#: aside).
BUSY_TOLERANCE = 0.5


def cpu_busy_elsewhere(interval: float = 0.2) -> float:
    """Cores of this process's share of the machine that other processes kept busy over ``interval`` seconds.

    From two readings of ``/proc/stat`` (all CPUs) less this process's own CPU time (``/proc/self/stat``), scaled to
    ``physical_cores()``; 0.0 where ``/proc`` is unreadable (not Linux).
    """
    try:
        before, own_before = _cpu_jiffies(), _own_jiffies()
        time.sleep(interval)
        after, own_after = _cpu_jiffies(), _own_jiffies()
    except (OSError, ValueError, IndexError):
        return 0.0
    total = after[0] - before[0]
    if total <= 0:
        return 0.0
    busy = (after[1] - before[1]) - (own_after - own_before)
    return max(0.0, busy / total) * physical_cores()


def _cpu_jiffies() -> tuple[int, int]:
    """(all, busy) jiffies of every CPU together since boot: busy is all but idle and iowait."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    total = sum(fields)
    return total, total - fields[3] - fields[4]


def _own_jiffies() -> int:
    """This process's user + system jiffies (``/proc/self/stat``; the name in brackets may hold spaces)."""
    fields = Path("/proc/self/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of the full line


def default_inference_threads(cores: int, busy: float) -> int:
    """Threads for batch-1 tracking on ``cores`` physical cores of which other processes keep ``busy`` cores busy:
    one per core left free (``BUSY_TOLERANCE`` of a core forgiven), at least one."""
    return max(1, min(cores, math.floor(cores - busy + BUSY_TOLERANCE)))


def resolve_inference_threads(threads: int | None = None) -> int:
    """The thread count ``set_inference_threads`` would use: ``threads``, else ``OMP_NUM_THREADS`` when set, else
    ``default_inference_threads`` of the physical cores and the load measured now (0.2 s). ConfigError below 1."""
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ConfigError(f"threads {threads!r}: expected a whole number of at least 1")
        return threads
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    cores = physical_cores()
    return default_inference_threads(cores, cpu_busy_elsewhere()) if cores > 1 else 1


def set_inference_threads(threads: int | None = None) -> int:
    """Set PyTorch's CPU thread count to ``resolve_inference_threads(threads)`` and return it.

    (At most one thread per physical core: hyper-threads share the vector units convolutions use; fewer when other
    processes keep cores busy, where a thread the scheduler sets aside stalls every parallel region.)
    """
    threads = resolve_inference_threads(threads)
    torch.set_num_threads(threads)
    return threads
