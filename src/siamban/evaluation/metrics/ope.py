"""One-pass evaluation metrics: success (overlap) curves and AUC, precision at 20 px, normalized precision, and the
GOT-10k AO / SR.

Two conventions, named after the toolkit that defines them (``docs/benchmarks.md`` lists every difference):
- ``"pysot"`` (default; it made the paper's tables): a frame whose ground truth has ``w <= 0`` or ``h <= 0`` (or NaN)
  never succeeds in overlap but is still counted; a frame whose ground-truth centre has a coordinate ``<= 0`` (or NaN)
  counts as *within* every precision threshold; frames flagged absent are dropped but stay in the frame count (so
  they count as misses).
- ``"got10k"``: every frame counts as it is (a NaN overlap or distance is a miss), the first frame's box is replaced
  by the ground truth, absent frames are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from siamban.geometry import iou_xywh

SUCCESS_THRESHOLDS = np.arange(0, 1.05, 0.05)  # 21 values, pysot-toolkit's (and the GOT-10k toolkit's OTB) grid
PRECISION_THRESHOLDS = np.arange(0, 51, 1, dtype=np.float64)  # pixels
NORM_PRECISION_THRESHOLDS = np.arange(0, 51, 1) / 100
TOOLKITS = ("pysot", "got10k")


def centers_xywh(boxes: np.ndarray) -> np.ndarray:
    """Centres ``(x + (w - 1) / 2, y + (h - 1) / 2)`` of (N, 4) boxes, as both toolkits compute them."""
    boxes = np.asarray(boxes, dtype=np.float64)
    return boxes[:, :2] + (boxes[:, 2:4] - 1) / 2


def _prepare(gt: np.ndarray, pred: np.ndarray, absent: np.ndarray | None, toolkit: str):
    gt = np.asarray(gt, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.float64)
    if toolkit not in TOOLKITS:
        raise ValueError(f"unknown toolkit convention {toolkit!r} (known: {', '.join(TOOLKITS)})")
    if pred.shape != gt.shape:
        raise ValueError(f"{len(pred)} predicted boxes for {len(gt)} ground-truth boxes")
    n_frames = len(gt)
    if toolkit == "got10k":
        pred = pred.copy()
        pred[0] = gt[0]
    elif absent is not None:
        keep = ~np.asarray(absent, dtype=bool)
        gt, pred = gt[keep], pred[keep]
    return gt, pred, n_frames


def frame_overlaps(gt: np.ndarray, pred: np.ndarray, toolkit: str = "pysot") -> np.ndarray:
    """Per-frame IoU; with ``pysot``, -1 where the ground truth has no positive size (never a success)."""
    iou = iou_xywh(pred, gt)
    if toolkit == "pysot":
        valid = np.all(gt[:, 2:4] > 0, axis=1)
        iou = np.where(valid, iou, -1.0)
    return iou


def success_curve(
    gt: np.ndarray, pred: np.ndarray, absent: np.ndarray | None = None, toolkit: str = "pysot"
) -> np.ndarray:
    """Fraction of frames whose overlap exceeds each of ``SUCCESS_THRESHOLDS`` (strictly greater)."""
    gt, pred, n_frames = _prepare(gt, pred, absent, toolkit)
    iou = frame_overlaps(gt, pred, toolkit)
    return (iou[:, None] > SUCCESS_THRESHOLDS[None, :]).sum(axis=0) / float(n_frames)


def _distance_curve(gt_c: np.ndarray, pred_c: np.ndarray, thresholds: np.ndarray, n_frames: int, toolkit: str):
    dist = np.sqrt(np.sum((gt_c - pred_c) ** 2, axis=1))
    if toolkit == "pysot":
        valid = np.all(gt_c > 0, axis=1)
        dist = np.where(valid, dist, -1.0)
    return (dist[:, None] <= thresholds[None, :]).sum(axis=0) / float(n_frames)


def precision_curve(
    gt: np.ndarray, pred: np.ndarray, absent: np.ndarray | None = None, toolkit: str = "pysot"
) -> np.ndarray:
    """Fraction of frames whose centre error is at most each of ``PRECISION_THRESHOLDS`` pixels."""
    gt, pred, n_frames = _prepare(gt, pred, absent, toolkit)
    return _distance_curve(centers_xywh(gt), centers_xywh(pred), PRECISION_THRESHOLDS, n_frames, toolkit)


def normalized_precision_curve(
    gt: np.ndarray, pred: np.ndarray, absent: np.ndarray | None = None, toolkit: str = "pysot"
) -> np.ndarray:
    """Precision with centres divided by the ground-truth size (+1e-16), thresholds 0, 0.01, ..., 0.5 (LaSOT)."""
    gt, pred, n_frames = _prepare(gt, pred, absent, toolkit)
    scale = gt[:, 2:4] + 1e-16
    return _distance_curve(
        centers_xywh(gt) / scale, centers_xywh(pred) / scale, NORM_PRECISION_THRESHOLDS, n_frames, toolkit
    )


@dataclass
class OPEResult:
    """Per-sequence curves of one tracker on one benchmark, and the summary numbers the papers report."""

    names: list[str]
    success: np.ndarray  # (S, 21)
    precision: np.ndarray  # (S, 51)
    norm_precision: np.ndarray  # (S, 51)

    @property
    def auc(self) -> float:
        """Success AUC: the mean over sequences of each sequence's mean success over the 21 thresholds."""
        return float(self.success.mean()) if len(self.names) else float("nan")

    @property
    def precision20(self) -> float:
        return float(self.precision[:, 20].mean()) if len(self.names) else float("nan")

    @property
    def norm_precision20(self) -> float:
        return float(self.norm_precision[:, 20].mean()) if len(self.names) else float("nan")

    def subset(self, names: list[str]) -> "OPEResult":
        idx = [self.names.index(n) for n in names if n in self.names]
        return OPEResult([self.names[i] for i in idx], self.success[idx], self.precision[idx], self.norm_precision[idx])


def evaluate_ope(
    sequences: Sequence[tuple[str, np.ndarray, np.ndarray, np.ndarray | None]], toolkit: str = "pysot"
) -> OPEResult:
    """Score ``(name, ground_truth, prediction, absent)`` tuples of one tracker."""
    names, succ, prec, norm = [], [], [], []
    for name, gt, pred, absent in sequences:
        names.append(name)
        succ.append(success_curve(gt, pred, absent, toolkit))
        prec.append(precision_curve(gt, pred, absent, toolkit))
        norm.append(normalized_precision_curve(gt, pred, absent, toolkit))
    empty = np.zeros((0, 21)), np.zeros((0, 51)), np.zeros((0, 51))
    if not names:
        return OPEResult([], *empty)
    return OPEResult(names, np.array(succ), np.array(prec), np.array(norm))


def bounded_iou(gt: np.ndarray, pred: np.ndarray, bound_wh: tuple[float, float]) -> np.ndarray:
    """IoU after clipping both boxes to the image ``(0, 0, W, H)``, as the GOT-10k toolkit does (eps-free)."""

    def clip(boxes: np.ndarray) -> np.ndarray:
        boxes = np.array(boxes, dtype=np.float64)
        boxes[:, 0] = np.clip(boxes[:, 0], 0, bound_wh[0])
        boxes[:, 1] = np.clip(boxes[:, 1], 0, bound_wh[1])
        boxes[:, 2] = np.clip(boxes[:, 2], 0, bound_wh[0] - boxes[:, 0])
        boxes[:, 3] = np.clip(boxes[:, 3], 0, bound_wh[1] - boxes[:, 1])
        return boxes

    return iou_xywh(clip(pred), clip(gt))


@dataclass
class GOT10kResult:
    """GOT-10k scores: AO (mean overlap), SR at 0.5 and 0.75, and the 101-point success curve, over pooled frames."""

    ao: float
    sr50: float
    sr75: float
    success: np.ndarray
    per_sequence_ao: dict[str, float]


def evaluate_got10k(
    sequences: Sequence[tuple[str, np.ndarray, np.ndarray, np.ndarray | None, tuple[float, float]]],
) -> GOT10kResult:
    """Score ``(name, gt, pred, absent, (W, H))``: frame 0 is skipped, absent frames excluded, frames pooled."""
    pooled, per_seq = [], {}
    for name, gt, pred, absent, bound in sequences:
        iou = bounded_iou(np.asarray(gt)[1:], np.asarray(pred)[1:], bound)
        if absent is not None:
            iou = iou[~np.asarray(absent, dtype=bool)[1:]]
        pooled.append(iou)
        per_seq[name] = float(iou.mean()) if len(iou) else float("nan")
    ious = np.concatenate(pooled) if pooled else np.zeros(0)
    curve = (ious[:, None] > np.linspace(0, 1, 101)[None, :]).mean(axis=0) if len(ious) else np.zeros(101)
    return GOT10kResult(
        ao=float(ious.mean()) if len(ious) else float("nan"),
        sr50=float((ious > 0.5).mean()) if len(ious) else float("nan"),
        sr75=float((ious > 0.75).mean()) if len(ious) else float("nan"),
        success=curve,
        per_sequence_ao=per_seq,
    )
