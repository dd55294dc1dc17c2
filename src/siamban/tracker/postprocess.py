"""From network maps to the next target state: the official SiamBAN post-processing, in NumPy.

Every function works on a batch of targets (leading axis N) so that one tracker object can follow many targets;
element by element the arithmetic (and its float32/float64 mix) is the official tracker's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siamban.config import TrackConfig


def point_grid(stride: int, size: int) -> np.ndarray:
    """(size*size, 2) float32 points relative to the crop centre; x varies fastest (row-major over the map)."""
    origin = -(size // 2) * stride
    coords = origin + stride * np.arange(size)
    xs, ys = np.meshgrid(coords, coords)
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


def cosine_window(size: int) -> np.ndarray:
    """Flattened outer product of ``numpy.hanning(size)`` with itself (float64)."""
    hanning = np.hanning(size)
    return np.outer(hanning, hanning).ravel()


def foreground_scores(cls: np.ndarray) -> np.ndarray:
    """(N, C, S, S) logits -> (N, S*S) float32 foreground probability (softmax over 2 classes, sigmoid for 1)."""
    cls = np.asarray(cls, dtype=np.float32)
    n, channels = cls.shape[:2]
    flat = cls.reshape(n, channels, -1)
    if channels == 1:
        return (1.0 / (1.0 + np.exp(-flat[:, 0]))).astype(np.float32)
    shifted = flat - flat.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return (e[:, 1] / e.sum(axis=1)).astype(np.float32)


def decode_boxes(loc: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(N, 4, S, S) distances (l, t, r, b) -> (N, 4, S*S) float32 boxes (cx, cy, w, h) relative to the crop centre."""
    loc = np.asarray(loc, dtype=np.float32)
    n = loc.shape[0]
    d = loc.reshape(n, 4, -1)
    px, py = points[:, 0], points[:, 1]
    x1, y1, x2, y2 = px - d[:, 0], py - d[:, 1], px + d[:, 2], py + d[:, 3]
    return np.stack([(x1 + x2) * 0.5, (y1 + y2) * 0.5, x2 - x1, y2 - y1], axis=1)


def _change(r: np.ndarray) -> np.ndarray:
    return np.maximum(r, 1.0 / r)


def _padded_size(w: np.ndarray, h: np.ndarray) -> np.ndarray:
    pad = (w + h) * 0.5
    return np.sqrt((w + pad) * (h + pad))


def shape_penalty(boxes: np.ndarray, size_wh: np.ndarray, scale_z: np.ndarray, penalty_k: float) -> np.ndarray:
    """exp(-(r_c * s_c - 1) * k): penalise scale and aspect change of each candidate against the current size.

    ``boxes`` (N, 4, M) in crop pixels, ``size_wh`` (N, 2) in frame pixels, ``scale_z`` (N,) crop/frame scale.
    """
    w, h = size_wh[:, 0:1], size_wh[:, 1:2]
    s = scale_z[:, None]
    s_c = _change(_padded_size(boxes[:, 2], boxes[:, 3]) / _padded_size(w * s, h * s))
    r_c = _change((w / h) / (boxes[:, 2] / boxes[:, 3]))
    return np.exp(-(r_c * s_c - 1) * penalty_k)


@dataclass
class TargetState:
    """Target centre (cx, cy) and size (w, h) in frame pixels, one row per target (float64)."""

    center: np.ndarray  # (N, 2)
    size: np.ndarray  # (N, 2)

    def boxes_xywh(self) -> np.ndarray:
        """Reported boxes (x, y, w, h) = (cx - w/2, cy - h/2, w, h), as the official tracker reports them."""
        return np.concatenate([self.center - self.size / 2, self.size], axis=1)


@dataclass
class StepResult:
    state: TargetState
    best_score: np.ndarray  # (N,) raw foreground probability of the chosen candidate
    best_pscore: np.ndarray  # (N,) penalised score (before the cosine window) of the chosen candidate
    best_index: np.ndarray  # (N,) flat index of the chosen point


def update_state(
    cls: np.ndarray,
    loc: np.ndarray,
    state: TargetState,
    scale_z: np.ndarray,
    image_hw: np.ndarray,
    cfg: TrackConfig,
    points: np.ndarray,
    window: np.ndarray,
    window_influence: float | None = None,
) -> StepResult:
    """One official tracking step from the maps of the search crops to the new target state.

    ``image_hw`` is (N, 2) frame heights and widths (targets may live in different videos);
    ``window_influence`` overrides ``cfg.window_influence`` (re-detection searches without the window).
    """
    influence = cfg.window_influence if window_influence is None else window_influence
    score = foreground_scores(cls)
    boxes = decode_boxes(loc, points)
    penalty = shape_penalty(boxes, state.size, scale_z, cfg.penalty_k)
    pscore = penalty * score
    pscore = pscore * (1 - influence) + window * influence
    best = np.argmax(pscore, axis=1)
    rows = np.arange(len(best))
    chosen = boxes[rows, :, best] / scale_z[:, None]  # (N, 4) in frame pixels, centre relative to the old centre
    lr = (penalty[rows, best] * score[rows, best] * cfg.lr)[:, None]
    center = state.center + chosen[:, :2]
    size = state.size * (1 - lr) + chosen[:, 2:] * lr
    height, width = image_hw[:, 0:1].astype(np.float64), image_hw[:, 1:2].astype(np.float64)
    bounds = np.concatenate([width, height], axis=1)
    center = np.maximum(0, np.minimum(center, bounds))
    size = np.maximum(10, np.minimum(size, bounds))
    return StepResult(
        state=TargetState(center=center, size=size),
        best_score=score[rows, best].astype(np.float64),
        best_pscore=(penalty * score)[rows, best].astype(np.float64),
        best_index=best,
    )
