"""Process-group set-up for ``torchrun`` and the deterministic per-rank sharding of each epoch.

``torchrun`` (the only launcher) sets ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT``;
without them (or with ``WORLD_SIZE=1``) training runs as one plain process. NCCL joins GPU processes, gloo CPU ones.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import Sampler

from siamban.errors import ConfigError, DatasetError


@dataclass(frozen=True)
class DistContext:
    """Where this process stands: its rank among ``world_size`` processes and its device."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")
    owns_group: bool = False  # this process created the process group (and destroys it in ``close``)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def all_reduce_mean(self, values: torch.Tensor) -> torch.Tensor:
        """The element-wise mean of ``values`` over all processes (``values`` itself when single)."""
        if not self.distributed:
            return values
        values = values.clone()
        dist.all_reduce(values)
        return values / self.world_size

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def close(self) -> None:
        if self.owns_group and dist.is_initialized():
            dist.barrier()
            dist.destroy_process_group()


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise ConfigError(f"environment variable {name}={value!r} is not an integer") from None


def init_distributed(device: str | torch.device | None = None, use_cuda: bool = True) -> DistContext:
    """Join the ``torchrun`` process group if there is one, and pick this process's device.

    ``device``: ``cpu``, ``cuda`` or ``cuda:N``; by default CUDA when present (and ``use_cuda``), else the CPU. Under
    ``torchrun`` on CUDA each process takes ``cuda:LOCAL_RANK``.
    """
    world_size = _env_int("WORLD_SIZE", 1)
    rank = _env_int("RANK", 0)
    local_rank = _env_int("LOCAL_RANK", 0)
    if device is None:
        device = "cuda" if use_cuda and torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(device)
    except RuntimeError:
        raise ConfigError(f"--device {device!r}: expected cpu, cuda or cuda:N") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(f"device {device}: CUDA is not available on this machine")
        if world_size > 1 or device.index is None:
            device = torch.device("cuda", local_rank if world_size > 1 else torch.cuda.current_device())
        torch.cuda.set_device(device)
    elif device.type != "cpu":
        raise ConfigError(f"device {device}: training runs on cpu or cuda")
    owns_group = False
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo", rank=rank, world_size=world_size)
        owns_group = True
    return DistContext(rank, world_size, local_rank, device, owns_group)


def wrap_model(model: nn.Module, ctx: DistContext) -> nn.Module:
    """DistributedDataParallel over the parameters that currently require gradients, or ``model`` when single.

    Batch-norm statistics stay per process during an epoch (no buffer broadcast, as the official code);
    ``sync_buffers`` makes every process hold rank 0's at the end of each epoch. Re-wrap after changing which
    parameters train.
    """
    if not ctx.distributed:
        return model
    device_ids = [ctx.device.index] if ctx.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=device_ids, forward_sync_buffers=False)


def sync_buffers(model: nn.Module, ctx: DistContext) -> None:
    """Copy rank 0's buffers (batch-norm running statistics) to every process."""
    if ctx.distributed:
        for buffer in model.buffers():
            dist.broadcast(buffer, 0)


class ShardedEpochSampler(Sampler[int]):
    """This rank's indices of one epoch: a permutation seeded by (seed, epoch), cut into global batches.

    Global batch k is positions ``[k * B * W, (k + 1) * B * W)`` of the permutation (B the per-process batch, W the
    number of processes); rank r takes every W-th of them starting at r. So the union of the ranks' batches k is
    exactly a single process's batch k at batch size B * W, and the order depends only on (seed, epoch). The tail that
    fills no whole global batch is dropped.
    """

    def __init__(
        self, size: int, batch_size: int, rank: int = 0, world_size: int = 1, seed: int = 0, shuffle: bool = True
    ) -> None:
        global_batch = batch_size * world_size
        if size < global_batch:
            raise DatasetError(
                f"the dataset has {size} pairs, fewer than one global batch ({batch_size} x {world_size} processes)"
            )
        self.size = size
        self.batch_size = batch_size
        self.rank = rank
        self.world_size = world_size
        self.seed = seed
        self.shuffle = shuffle
        self.steps = size // global_batch
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.steps * self.batch_size

    def __iter__(self) -> Iterator[int]:
        if self.shuffle:
            generator = torch.Generator().manual_seed(self.seed + self.epoch)
            order = torch.randperm(self.size, generator=generator)
        else:
            order = torch.arange(self.size)
        used = order[: self.steps * self.batch_size * self.world_size]
        return iter(used[self.rank :: self.world_size].tolist())
