"""What every benchmark reader returns: a ``Sequence`` record per target (text parsing: ``siamban.io.annotations``).

Conventions (one place, so every reader agrees): frame paths are absolute; ground truth is an ``(N, 4)`` float array of
0-based ``(x, y, w, h)`` boxes, or ``(N, 8)`` polygons ``(x1, y1, ..., x4, y4)`` for VOT; a frame whose target is absent
has a NaN row or a row the benchmark marks as absent (``absent`` mask). Numbers are kept as the files give them: like
both reference toolkits, no reader shifts the 1-based origin of OTB-family files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from siamban.errors import DatasetError
from siamban.io.annotations import list_images, read_annotation, read_flags, read_list

__all__ = [
    "Benchmark", "Sequence", "check_lengths", "frame_number", "list_images", "read_annotation", "read_flags",
    "read_list",
]


@dataclass
class Sequence:
    """One target in one video of a benchmark.

    ``frames`` and ``ground_truth`` have one entry per evaluated frame; ``init_frame`` is the frame the tracker starts
    on (0 for every official protocol). ``attributes`` are sequence-level labels (e.g. UAV123's ``FM``);
    ``tags`` per-frame boolean labels (VOT's ``occlusion``); ``meta`` whatever else the layout records.
    """

    name: str
    frames: list[Path]
    ground_truth: np.ndarray
    absent: np.ndarray | None = None
    attributes: tuple[str, ...] = ()
    tags: dict[str, np.ndarray] = field(default_factory=dict)
    init_frame: int = 0
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        gt = np.asarray(self.ground_truth, dtype=np.float64)
        if gt.ndim != 2 or gt.shape[1] not in (4, 8):
            raise DatasetError(f"{self.name}: ground truth must be (N, 4) boxes or (N, 8) polygons, got {gt.shape}")
        self.ground_truth = gt
        if self.absent is not None:
            self.absent = np.asarray(self.absent, dtype=bool)
            if self.absent.shape != (len(gt),):
                raise DatasetError(f"{self.name}: absent mask has {self.absent.shape} entries for {len(gt)} boxes")

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def visible(self) -> np.ndarray:
        """Frames whose target is present (not flagged absent and with a finite box)."""
        ok = np.all(np.isfinite(self.ground_truth), axis=1)
        if self.absent is not None:
            ok &= ~self.absent
        return ok


@dataclass
class Benchmark:
    """A named list of sequences and how it is run and scored.

    ``protocol`` is ``"ope"`` (one-pass), ``"vot"`` (supervised, re-initialised after failures) or ``"got10k"``
    (one-pass, written in the GOT-10k submission layout). ``eao_interval`` is set for VOT editions.
    """

    name: str
    root: Path
    sequences: list[Sequence]
    protocol: str = "ope"
    eao_interval: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self.sequences)

    def __iter__(self):
        return iter(self.sequences)

    def __getitem__(self, name: str) -> Sequence:
        for seq in self.sequences:
            if seq.name == name:
                return seq
        raise DatasetError(f"{self.name}: no sequence named {name!r}")

    def select(self, names: Iterable[str]) -> "Benchmark":
        """A copy holding only the named sequences (in the given order)."""
        return Benchmark(self.name, self.root, [self[n] for n in names], self.protocol, self.eao_interval)


def frame_number(path: Path) -> int:
    """The number in an image name (``0247.jpg`` -> 247), or DatasetError."""
    digits = re.findall(r"\d+", Path(path).stem)
    if not digits:
        raise DatasetError(f"{path}: image name carries no frame number")
    return int(digits[-1])


def check_lengths(name: str, frames: list[Path], ground_truth: np.ndarray, where: Path) -> None:
    if len(frames) != len(ground_truth):
        raise DatasetError(f"{where}: {len(ground_truth)} boxes for {len(frames)} frames of {name}")
