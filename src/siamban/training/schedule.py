"""Per-epoch learning rates from ``TRAIN.LR`` and ``TRAIN.LR_WARMUP`` (the official pysot schedule types).

A schedule is a list of one learning rate per epoch. The types and their keyword arguments are the official ones:

- ``log``: ``start_lr``, ``end_lr``: log-spaced from start to end (both included).
- ``step``: ``start_lr``, ``end_lr``, ``step``, ``mult``: ``start_lr * mult ** (epoch // step)``; with both start and
  end given, ``mult`` is chosen so the rate grows or shrinks geometrically towards ``end_lr`` (``end_lr`` itself is
  reached one step after the phase, where the next phase begins: the official warm-up).
- ``multi-step``: ``start_lr``, ``end_lr``, ``steps``, ``mult``: multiply by ``mult`` at each epoch in ``steps``.
- ``linear``: ``start_lr``, ``end_lr``: evenly spaced, both included.
- ``cos``: ``start_lr``, ``end_lr``: half a cosine from start towards end (end not reached).

With ``LR_WARMUP.WARMUP`` the warm-up phase's ``LR_WARMUP.EPOCH`` rates come first and the main phase fills the
remaining epochs. Each optimiser group's rate is ``lrs[epoch] * group_base_lr / reference_lr``, where the group base
is ``TRAIN.BASE_LR`` (times ``BACKBONE.LAYERS_LR`` for the backbone) and ``reference_lr`` is the main phase's first
rate: with the official values (BASE_LR = start of LR = 0.005) heads get ``lrs[epoch]`` and the backbone a tenth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from siamban.config import ScheduleConfig, TrainConfig
from siamban.errors import ConfigError


def _log(epochs: int, start_lr: float = 0.03, end_lr: float = 5e-4) -> np.ndarray:
    return np.logspace(math.log10(start_lr), math.log10(end_lr), epochs)


def _step(
    epochs: int, start_lr: float | None = 0.01, end_lr: float | None = None, step: int = 10, mult: float = 0.1
) -> np.ndarray:
    if step < 1:
        raise ValueError(f"step must be >= 1, got {step}")
    if end_lr is not None:
        if epochs // step == 0:
            raise ValueError(f"{epochs} epochs hold no whole step of {step} to reach end_lr")
        if start_lr is None:
            start_lr = end_lr / mult ** (epochs // step)
        else:
            mult = (end_lr / start_lr) ** (1.0 / (epochs // step))
    if start_lr is None:
        raise ValueError("needs start_lr or end_lr")
    return start_lr * mult ** (np.arange(epochs) // step)


def _multi_step(
    epochs: int,
    start_lr: float | None = 0.01,
    end_lr: float | None = None,
    steps: tuple[int, ...] = (10, 20, 30, 40),
    mult: float = 0.5,
) -> np.ndarray:
    steps = tuple(int(s) for s in steps)
    if end_lr is not None:
        if start_lr is None:
            start_lr = end_lr / mult ** len(steps)
        else:
            mult = (end_lr / start_lr) ** (1.0 / len(steps))
    if start_lr is None:
        raise ValueError("needs start_lr or end_lr")
    lrs = np.empty(epochs)
    lrs[0] = start_lr
    for epoch in range(1, epochs):
        lrs[epoch] = lrs[epoch - 1] * (mult if epoch in steps else 1.0)
    return lrs


def _linear(epochs: int, start_lr: float = 0.01, end_lr: float = 0.005) -> np.ndarray:
    return np.linspace(start_lr, end_lr, epochs)


def _cos(epochs: int, start_lr: float = 0.01, end_lr: float = 0.005) -> np.ndarray:
    index = np.arange(epochs)
    return end_lr + (start_lr - end_lr) * (1.0 + np.cos(index * np.pi / epochs)) * 0.5


SCHEDULE_TYPES: dict[str, Callable[..., np.ndarray]] = {
    "log": _log,
    "step": _step,
    "multi-step": _multi_step,
    "linear": _linear,
    "cos": _cos,
}


def phase_lrs(phase: ScheduleConfig, epochs: int, where: str) -> np.ndarray:
    """The rates of one phase (``where`` names its config section in errors, e.g. ``TRAIN.LR``)."""
    if phase.type not in SCHEDULE_TYPES:
        raise ConfigError(f"{where}.TYPE {phase.type!r}: unknown schedule (known: {', '.join(SCHEDULE_TYPES)})")
    if epochs < 1:
        raise ConfigError(f"{where}: the phase has {epochs} epochs; it needs at least one")
    kwargs: dict[str, Any] = dict(phase.kwargs)
    try:
        lrs = SCHEDULE_TYPES[phase.type](epochs, **kwargs)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise ConfigError(f"{where}.KWARGS {kwargs}: {exc}") from None
    if not np.all(np.isfinite(lrs)) or np.any(lrs < 0):
        raise ConfigError(f"{where}.KWARGS {kwargs}: gives invalid rates {lrs.tolist()}")
    return lrs


@dataclass(frozen=True)
class LRSchedule:
    """One learning rate per epoch, and the rate that optimiser groups' base rates are relative to."""

    lrs: tuple[float, ...]
    reference_lr: float

    def __len__(self) -> int:
        return len(self.lrs)

    def lr(self, epoch: int) -> float:
        if not 0 <= epoch < len(self.lrs):
            raise ConfigError(f"epoch {epoch} is outside the {len(self.lrs)}-epoch schedule (TRAIN.EPOCH)")
        return self.lrs[epoch]


def build_lr_schedule(train: TrainConfig) -> LRSchedule:
    """The schedule of ``TRAIN.EPOCH`` epochs: warm-up then main phase, or the main phase alone."""
    if train.lr_warmup.warmup:
        warm_epochs = train.lr_warmup.epoch
        if not 0 < warm_epochs < train.epoch:
            raise ConfigError(f"TRAIN.LR_WARMUP.EPOCH {warm_epochs} must lie between 1 and TRAIN.EPOCH - 1")
        warmup = phase_lrs(train.lr_warmup, warm_epochs, "TRAIN.LR_WARMUP")
        main = phase_lrs(train.lr, train.epoch - warm_epochs, "TRAIN.LR")
        lrs = np.concatenate([warmup, main])
    else:
        main = phase_lrs(train.lr, train.epoch, "TRAIN.LR")
        lrs = main
    reference = float(main[0])
    if reference <= 0:
        raise ConfigError(f"TRAIN.LR: the first rate of the main phase must be > 0, got {reference}")
    return LRSchedule(tuple(float(v) for v in lrs), reference)


class EpochLRScheduler:
    """Sets every optimiser group's ``lr`` for an epoch: ``schedule.lr(epoch) * group['base_lr'] / reference_lr``."""

    def __init__(self, optimizer: torch.optim.Optimizer, schedule: LRSchedule) -> None:
        self.optimizer = optimizer
        self.schedule = schedule
        self.last_epoch = -1

    def step(self, epoch: int) -> None:
        rate = self.schedule.lr(epoch)
        for group in self.optimizer.param_groups:
            group["lr"] = rate * group["base_lr"] / self.schedule.reference_lr
        self.last_epoch = epoch

    def group_lrs(self) -> dict[str, float]:
        """Current rate of each named group."""
        return {group["name"]: group["lr"] for group in self.optimizer.param_groups}

    def state_dict(self) -> dict[str, Any]:
        return {"last_epoch": self.last_epoch, "lrs": list(self.schedule.lrs)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.last_epoch = int(state["last_epoch"])
