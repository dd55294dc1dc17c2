"""Which frames make each training pair: the official epoch list and pair draws, deterministic by construction.

Epoch list (the official ``shuffle``): every dataset repeats a shuffled list of its sequences up to its
``num_use``; the lists are concatenated and shuffled, and concatenations are repeated until ``videos_per_epoch``
entries exist (all of them when ``videos_per_epoch <= 0``). Pair of entry ``i``: with probability ``neg`` a
negative pair (template: a random frame of a random track of that sequence; search: a random frame of a random
track of a random sequence of a random dataset), else a positive pair (a random track, a random template frame,
a search frame within ``frame_range`` positions of it in the sorted frame list).

Every draw derives from ``(seed, epoch)`` (the list) or ``(seed, epoch, index)`` (one pair), never from a global
RNG, so a resumed run and every DataLoader worker see the same pairs without sharing state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from siamban.data.datasets.base import TrackingDataset
from siamban.errors import DatasetError

_LIST_STREAM = 0x5EED_0001  # distinct first words keep the epoch-list and per-item streams apart
_ITEM_STREAM = 0x5EED_0002


@dataclass(frozen=True)
class FrameRef:
    """One target in one frame: dataset number (in the sampler's list), sequence, track, frame id."""

    dataset: int
    sequence: int
    track: int
    frame: int


@dataclass(frozen=True)
class PairSpec:
    template: FrameRef
    search: FrameRef
    negative: bool


class PairSampler:
    """Epoch lists and pair draws over several ``TrackingDataset``s."""

    def __init__(
        self, datasets: Sequence[TrackingDataset], videos_per_epoch: int, neg: float, seed: int
    ) -> None:
        if not datasets:
            raise DatasetError("no training dataset: DATASET.NAMES is empty")
        for ds in datasets:
            if ds.num_sequences() == 0:
                raise DatasetError(f"{ds.name}: no sequence to sample from")
        self.datasets = list(datasets)
        self.videos_per_epoch = int(videos_per_epoch)
        self.neg = float(neg)
        self.seed = int(seed)
        self._cached: tuple[int, np.ndarray] | None = None

    def __len__(self) -> int:
        if self.videos_per_epoch > 0:
            return self.videos_per_epoch
        return sum(ds.epoch_count for ds in self.datasets)

    def epoch_list(self, epoch: int) -> np.ndarray:
        """(len(self), 2) int64 array of (dataset number, sequence) for ``epoch`` (cached for the last epoch)."""
        if self._cached is not None and self._cached[0] == epoch:
            return self._cached[1]
        rng = np.random.default_rng([_LIST_STREAM, self.seed, epoch])
        parts = []
        for d, ds in enumerate(self.datasets):
            count, n = ds.epoch_count, ds.num_sequences()
            picks = [rng.permutation(n) for _ in range(-(-count // n))] if count > 0 else []
            seqs = np.concatenate(picks)[:count] if picks else np.zeros(0, dtype=np.int64)
            parts.append(np.stack([np.full(len(seqs), d), seqs], axis=1))
        one_round = np.concatenate(parts).astype(np.int64)
        if len(one_round) == 0:
            raise DatasetError("every dataset has NUM_USE 0: nothing to sample")
        total = len(self)
        rounds: list[np.ndarray] = []
        while sum(len(r) for r in rounds) < total:
            rounds.append(one_round[rng.permutation(len(one_round))])
        entries = np.concatenate(rounds)[:total]
        self._cached = (epoch, entries)
        return entries

    def item_rng(self, epoch: int, index: int) -> np.random.Generator:
        """The random stream of pair ``index`` of ``epoch``."""
        return np.random.default_rng([_ITEM_STREAM, self.seed, epoch, index])

    def draw(self, epoch: int, index: int, rng: np.random.Generator) -> PairSpec:
        """The frames of pair ``index`` of ``epoch``, drawn from ``rng``."""
        d, seq = (int(v) for v in self.epoch_list(epoch)[index])
        ds = self.datasets[d]
        if rng.random() < self.neg:
            template = self._random_target(d, seq, rng)
            other = int(rng.integers(len(self.datasets)))
            search = self._random_target(other, int(rng.integers(self.datasets[other].num_sequences())), rng)
            return PairSpec(template, search, True)
        track = int(rng.integers(ds.num_tracks(seq)))
        frames = ds.frames(seq, track)
        t = int(rng.integers(len(frames)))
        left = max(t - ds.frame_range, 0)
        right = min(t + ds.frame_range, len(frames) - 1) + 1
        s = int(rng.integers(left, right))
        return PairSpec(FrameRef(d, seq, track, int(frames[t])), FrameRef(d, seq, track, int(frames[s])), False)

    def _random_target(self, d: int, seq: int, rng: np.random.Generator) -> FrameRef:
        ds = self.datasets[d]
        track = int(rng.integers(ds.num_tracks(seq)))
        frames = ds.frames(seq, track)
        return FrameRef(d, seq, track, int(frames[rng.integers(len(frames))]))
