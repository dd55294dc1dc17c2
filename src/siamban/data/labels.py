"""Label assignment on the output grid: classification labels and (l, t, r, b) regression targets.

The grid points sit on the search patch at ``search_size // 2 - (output_size // 2) * stride + stride * k``
(31, 39, ..., 223 for 255 / 25 / 8). With the target box centre ``(cx, cy)`` and size ``(w, h)``:
- ellipse (the paper): positive inside E2 (semi-axes w/4, h/4), negative outside E1 (semi-axes w/2, h/2);
- circle (ablation): positive inside C2 (radius sqrt(w h)/4), negative outside C1 (radius sqrt(w h)/2);
- rectangle (ablation): positive inside R2 (centred, sides w/2, h/2), negative outside R1 (the box itself);
points between the two regions are ignored (-1). Inequalities are strict, as in the official code. At most
``pos_num`` positives and ``total_num - pos_num`` negatives are kept, chosen at random. A negative pair labels
at most ``neg_num`` points inside the positive region as negative and nothing else (the official code uses
``TRAIN.NEG_NUM`` there; 16 like ``POS_NUM`` by default). Regression targets
``(px - x1, py - y1, x2 - px, y2 - py)`` are written at every point (the loss uses the positives).
"""

from __future__ import annotations


import numpy as np

from siamban.config import TrainConfig
from siamban.errors import ConfigError
from siamban.geometry import FloatSequence

LABEL_SHAPES = ("ellipse", "circle", "rectangle")


def label_points(search_size: int, output_size: int, stride: int) -> np.ndarray:
    """(2, S, S) float32 grid: ``[0]`` the x and ``[1]`` the y of each output position on the search patch."""
    origin = search_size // 2 - (output_size // 2) * stride
    coords = origin + stride * np.arange(output_size, dtype=np.float32)
    xs, ys = np.meshgrid(coords, coords)
    return np.stack([xs, ys]).astype(np.float32)


def label_regions(box_xyxy: FloatSequence, points: np.ndarray, shape: str) -> tuple[np.ndarray, np.ndarray]:
    """Boolean (S, S) masks: inside the positive region, and outside the negative boundary."""
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    cx, cy, w, h = (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1
    dx, dy = points[0] - cx, points[1] - cy
    if shape == "ellipse":
        r = (dx / (w / 4)) ** 2 + (dy / (h / 4)) ** 2
        return r < 1, (dx / (w / 2)) ** 2 + (dy / (h / 2)) ** 2 > 1
    if shape == "circle":
        d2, radius = dx**2 + dy**2, np.sqrt(w * h)
        return d2 < (radius / 4) ** 2, d2 > (radius / 2) ** 2
    if shape == "rectangle":
        inside = (np.abs(dx) < w / 4) & (np.abs(dy) < h / 4)
        return inside, (np.abs(dx) > w / 2) | (np.abs(dy) > h / 2)
    raise ConfigError(f"DATASET.LABEL_SHAPE: unknown label shape {shape!r} (known: {', '.join(LABEL_SHAPES)})")


def _keep_at_most(mask: np.ndarray, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.nonzero(mask)
    if len(rows) > count:
        keep = rng.permutation(len(rows))[:count]
        rows, cols = rows[keep], cols[keep]
    return rows, cols


def assign_labels(
    box_xyxy: FloatSequence,
    points: np.ndarray,
    train: TrainConfig,
    shape: str,
    negative: bool,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(cls int64 (S, S) in {-1, 0, 1}, loc float32 (4, S, S)) for a target box on the search patch."""
    size = points.shape[1]
    cls = np.full((size, size), -1, dtype=np.int64)
    loc = np.zeros((4, size, size), dtype=np.float32)
    positive, outside = label_regions(box_xyxy, points, shape)
    if negative:
        cls[_keep_at_most(positive, train.neg_num, rng)] = 0
        return cls, loc
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    loc[0], loc[1] = points[0] - x1, points[1] - y1
    loc[2], loc[3] = x2 - points[0], y2 - points[1]
    pos = _keep_at_most(positive, train.pos_num, rng)
    neg = _keep_at_most(outside, train.total_num - train.pos_num, rng)
    cls[pos] = 1
    cls[neg] = 0
    return cls, loc
