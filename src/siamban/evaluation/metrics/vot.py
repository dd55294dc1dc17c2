"""VOT supervised-protocol metrics as pysot-toolkit computes them: accuracy (10-frame burn-in), robustness (failures
per 100 frames), lost number, and EAO over an edition's sequence-length interval, overall and per attribute.

A trajectory is a list with one entry per frame: ``[1]`` (initialised), ``[0]`` (skipped after a failure), ``[2]``
(failure), or a region ``[x, y, w, h]`` / polygon. Overlaps of coded frames are NaN.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from siamban.evaluation.metrics.region import region_overlaps

INIT, SKIP, FAILURE = 1, 0, 2
BURNIN = 10
SKIPPING = 5
Trajectory = Sequence[Sequence[float]]


def failure_frames(trajectory: Trajectory) -> list[int]:
    """Indices of frames coded as failures (``[2]``)."""
    return [i for i, r in enumerate(trajectory) if len(r) == 1 and r[0] == FAILURE]


def trajectory_overlaps(
    trajectory: Trajectory, ground_truth: np.ndarray, bound: tuple[float, float] | None, burnin: int = 0
) -> np.ndarray:
    """Per-frame overlap of a trajectory with the ground truth; NaN on coded frames and on the ``burnin`` frames that
    start at every initialisation (the initialisation frame included)."""
    n = min(len(trajectory), len(ground_truth))
    coded = np.array([len(r) == 1 for r in trajectory[:n]], dtype=bool)
    if burnin > 0:
        hidden = coded.copy()
        for i in np.flatnonzero([len(r) == 1 and r[0] == INIT for r in trajectory[:n]]):
            hidden[i : i + burnin] = True
    else:
        hidden = coded
    overlaps = np.full(n, np.nan, dtype=np.float64)
    scored = np.flatnonzero(~hidden)
    if len(scored):
        width = {len(trajectory[int(i)]) for i in scored}
        gt = np.asarray(ground_truth[:n])
        for w in width:  # boxes and polygons may mix in one file
            idx = np.array([i for i in scored if len(trajectory[int(i)]) == w])
            pred = np.array([trajectory[i] for i in idx], dtype=np.float64)
            overlaps[idx] = region_overlaps(pred, gt[idx], bound).astype(np.float64)
    return overlaps


@dataclass
class VOTSequenceRecord:
    """One sequence's trajectories (one per repetition) with what the metrics need to know about it."""

    name: str
    trajectories: Sequence[Trajectory]
    ground_truth: np.ndarray
    size_wh: tuple[int, int]
    tags: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class ARResult:
    overlaps: dict[str, np.ndarray]  # per sequence, averaged over repetitions (burn-in applied)
    failures: dict[str, list[int]]  # per sequence, failures of each repetition
    length: int  # frames over all sequences

    @property
    def accuracy(self) -> float:
        pooled = np.concatenate(list(self.overlaps.values())) if self.overlaps else np.zeros(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return float(np.nanmean(pooled)) if len(pooled) else float("nan")

    @property
    def lost_number(self) -> float:
        per_rep = np.sum(np.array(list(self.failures.values()), dtype=np.float64), axis=0)
        return float(np.mean(per_rep))

    @property
    def robustness(self) -> float:
        """pysot-toolkit's robustness: failures per 100 frames (mean over repetitions)."""
        per_rep = np.sum(np.array(list(self.failures.values()), dtype=np.float64), axis=0)
        return float(np.mean(per_rep / self.length) * 100)


def accuracy_robustness(records: list[VOTSequenceRecord], burnin: int = BURNIN) -> ARResult:
    """Accuracy (overlap bounded by ``(W, H)``, burn-in after every initialisation) and failure counts."""
    overlaps, failures = {}, {}
    length = 0
    for rec in records:
        per_rep = [trajectory_overlaps(t, rec.ground_truth, rec.size_wh, burnin) for t in rec.trajectories]
        n = min(len(o) for o in per_rep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            overlaps[rec.name] = np.nanmean(np.array([o[:n] for o in per_rep]), axis=0)
        failures[rec.name] = [len(failure_frames(t)) for t in rec.trajectories]
        length += n
    return ARResult(overlaps, failures, length)


def _fragments(records: list[VOTSequenceRecord], tag: str, skipping: int):
    """pysot-toolkit's EAO fragments and their weights (see ``expected_overlaps``)."""
    rows, weights = [], []
    all_overlaps = []
    for rec in records:
        for traj in rec.trajectories:
            ov = trajectory_overlaps(traj, rec.ground_truth, (rec.size_wh[0] - 1, rec.size_wh[1] - 1))
            all_overlaps.append((rec, traj, ov))
    max_len = max(len(ov) for _, _, ov in all_overlaps)
    seq_weight = 1 / (len(records[-1].trajectories) + 1e-10)
    for rec, traj, ov in all_overlaps:
        tag_values = np.ones(len(rec.ground_truth)) if tag == "all" else np.asarray(rec.tags[tag], dtype=np.float64)
        fails = failure_frames(traj)
        if fails:
            points = [0] + [f + skipping for f in fails if f + skipping <= len(ov)]
            for i, start in enumerate(points):
                row = np.full(max_len, np.nan)
                if i != len(points) - 1:
                    end = points[i + 1]
                    frag = np.nan_to_num(ov[start : end + 1], nan=0.0)
                    row[:] = 0
                    row[: len(frag)] = frag
                    w = tag_values[start : end + 1].sum() / (end - start + 1)
                else:
                    frag = np.nan_to_num(ov[start:], nan=0.0)
                    row[: len(frag)] = frag
                    w = tag_values[start : len(ov)].sum() / (len(rec.ground_truth) - start + 1e-16)
                rows.append(row)
                weights.append(seq_weight * w)
        else:
            row = np.full(max_len, np.nan)
            m = min(len(ov), max_len)
            row[:m] = ov[:m]
            rows.append(row)
            weights.append(seq_weight * tag_values[:m].sum() / m)
    return np.array(rows), np.array(weights)


def expected_overlaps(
    records: list[VOTSequenceRecord], tag: str = "all", skipping: int = SKIPPING
) -> np.ndarray:
    """The expected-overlap curve: entry ``L`` is the weighted mean, over fragments reaching frame ``L``, of their mean
    overlap over frames 1..L (entry 0 is 1). Fragments start at frame 0 and ``skipping`` frames after each failure,
    run to the next start inclusive padded with 0, or to the end of the sequence (NaN beyond). Computed in float32."""
    fragments, weights = _fragments(records, tag, skipping)
    max_len = fragments.shape[1]
    curve = np.zeros(max_len, dtype=np.float32)
    curve[0] = 1
    valid = ~np.isnan(fragments)
    cumulative = np.cumsum(np.where(valid, fragments, 0.0)[:, 1:], axis=1)  # sums over frames 1..L
    for length in range(1, max_len):
        mask = valid[:, length]
        if mask.any():
            means = cumulative[mask, length - 1] / length
            with np.errstate(invalid="ignore", divide="ignore"):
                curve[length] = np.sum(means * weights[mask]) / np.sum(weights[mask])
    return curve


def eao_score(curve: np.ndarray, interval: tuple[int, int]) -> float:
    """Mean of the expected-overlap curve over sequence lengths ``low..high`` (indices low-1 .. high-1)."""
    low, high = interval
    weight = np.zeros(len(curve))
    weight[low - 1 : high] = 1
    ok = ~np.isnan(curve)
    if not np.any(weight[ok]):
        return float("nan")  # every sequence is shorter than the interval's low end
    return float(np.sum(curve[ok] * weight[ok]) / np.sum(weight[ok]))


@dataclass
class VOTResult:
    accuracy: float
    robustness: float
    lost_number: float
    eao: float
    curve: np.ndarray
    eao_by_tag: dict[str, float]
    per_sequence: dict[str, dict[str, float]]


def evaluate_vot(
    records: list[VOTSequenceRecord], interval: tuple[int, int], tags: Sequence[str] = ()
) -> VOTResult:
    """All VOT numbers of one tracker: A, R, lost number, EAO (and per-attribute EAO for ``tags``)."""
    ar = accuracy_robustness(records)
    curve = expected_overlaps(records)
    by_tag = {"all": eao_score(curve, interval)}
    for tag in tags:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            by_tag[tag] = eao_score(expected_overlaps(records, tag), interval)
    per_seq = {}
    for rec in records:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            acc = float(np.nanmean(ar.overlaps[rec.name])) if np.any(~np.isnan(ar.overlaps[rec.name])) else float("nan")
        per_seq[rec.name] = {"accuracy": acc, "failures": float(np.mean(ar.failures[rec.name]))}
    return VOTResult(ar.accuracy, ar.robustness, ar.lost_number, by_tag["all"], curve, by_tag, per_seq)
