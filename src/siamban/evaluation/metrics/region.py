"""VOT region overlap as pysot-toolkit computes it: polygons rasterised on the pixel grid (the TraX ``region.c``
algorithm), vectorised over frames and image rows with NumPy.

Every quirk that moves the published numbers is kept: coordinates are float32; each polygon's bounding box is rounded
outwards and clipped to the bounds ``(0, 0, W, H)`` (pysot-toolkit passes ``(W, H)`` for accuracy and ``(W - 1, H - 1)``
for EAO); vertices are rounded half away from zero; a scan line meets an edge whose rounded end rows enclose it; the
crossing column is truncated toward zero; filled spans include both ends; a box ``(x, y, w, h)`` becomes the polygon
with corners ``x + w``, ``y + h``. Two regions whose clipped boxes merely touch, or whose box areas differ by 1e10 or
more, overlap 0. The result is ``intersection / union`` of pixel counts, NaN when both are empty.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from siamban.geometry import FloatSequence

_CHUNK_ROWS = 400_000  # rows rasterised at once (memory ~ rows x vertices x 8 bytes, a few arrays of it)
_BIG = np.int64(1) << 40


def box_to_polygon(region: np.ndarray) -> np.ndarray:
    """(..., 4) (x, y, w, h) -> (..., 8) corners x1,y1,...,x4,y4 with right/bottom edges at x + w, y + h."""
    r = np.asarray(region, dtype=np.float64)
    x, y, w, h = r[..., 0], r[..., 1], r[..., 2], r[..., 3]
    return np.stack([x, y, x + w, y, x + w, y + h, x, y + h], axis=-1)


def _as_polygons(regions: np.ndarray) -> np.ndarray:
    regions = np.asarray(regions, dtype=np.float64)
    if regions.shape[-1] == 4:
        regions = box_to_polygon(regions)
    if regions.shape[-1] % 2 or regions.shape[-1] < 6:
        raise ValueError(f"regions must have 4 (box) or an even number >= 6 (polygon) values, got {regions.shape[-1]}")
    return regions.astype(np.float32).reshape(regions.shape[0], regions.shape[-1] // 2, 2)


def _c_round(v: np.ndarray) -> np.ndarray:
    """C ``round``: halves away from zero (NumPy rounds them to even)."""
    v64 = v.astype(np.float64)
    return (np.sign(v64) * np.floor(np.abs(v64) + 0.5)).astype(np.float32)


def _bounds(poly: np.ndarray, width: np.ndarray, height: np.ndarray) -> np.ndarray:
    """Per region (left, top, right, bottom): the rounded-out bounding box clipped to (0, 0, width, height)."""
    left = np.floor(poly[:, :, 0].min(axis=1))
    top = np.floor(poly[:, :, 1].min(axis=1))
    right = np.ceil(poly[:, :, 0].max(axis=1))
    bottom = np.ceil(poly[:, :, 1].max(axis=1))
    f32 = np.float32
    return np.stack(
        [np.maximum(left, f32(0)), np.maximum(top, f32(0)), np.minimum(right, width), np.minimum(bottom, height)],
        axis=1,
    ).astype(np.float32)


def _spans(poly: np.ndarray, rows_pair: np.ndarray, rows_y: np.ndarray, grid_width: np.ndarray) -> tuple:
    """Filled column spans [lo, hi] of each scan row (one row per entry of ``rows_pair``), empty spans as lo > hi."""
    n = poly.shape[1]
    px = poly[rows_pair, :, 0].astype(np.float64)  # (R, n) x of vertex i
    py = poly[rows_pair, :, 1].astype(np.float64)
    qx = np.roll(px, 1, axis=1)  # vertex j = i - 1 (the previous one closes the ring)
    qy = np.roll(py, 1, axis=1)
    y = rows_y[:, None].astype(np.float64)
    r = qy - py
    k = qx - px
    crosses = (np.minimum(py, qy) <= y) & (y <= np.maximum(py, qy)) & (r != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        nodes = np.trunc(px + (y - py) / np.where(r != 0, r, 1) * k)
    nodes = np.where(crosses, nodes, np.nan)
    count = crosses.sum(axis=1)
    nodes = np.sort(nodes, axis=1)  # NaNs (no crossing) go last
    nodes = np.where(np.isnan(nodes), _BIG, nodes).astype(np.int64)

    rows = np.arange(len(rows_y))
    width = grid_width[rows_pair]
    idx = np.zeros(len(rows_y), dtype=np.int64)
    active = np.ones(len(rows_y), dtype=bool)
    lo = np.ones((len(rows_y), n), dtype=np.int64)
    hi = np.zeros((len(rows_y), n), dtype=np.int64)
    for step in range(n):
        live = active & (idx < count - 1)
        if not live.any():
            break
        a = nodes[rows, np.minimum(idx, n - 1)]
        b = nodes[rows, np.minimum(idx + 1, n - 1)]
        same = live & (a == b)
        differ = live & (a != b)
        stop = differ & (a >= width)
        go = differ & ~stop
        fill = go & (b >= 0)
        lo[fill, step] = np.maximum(a[fill], 0)
        hi[fill, step] = np.minimum(b[fill], width[fill] - 1)
        active &= ~stop
        idx = idx + same + 2 * go
    return lo, hi


def _covered(lo: np.ndarray, hi: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Whether column ``at[r, m]`` lies in any span ``[lo[r, s], hi[r, s]]`` of row r."""
    inside = (lo[:, None, :] <= at[:, :, None]) & (at[:, :, None] <= hi[:, None, :])
    return np.any(inside, axis=2)


def _pixel_counts(lo1, hi1, lo2, hi2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: pixels in region 1's spans, in region 2's, and in both (spans of one region may overlap)."""
    points = np.sort(np.concatenate([lo1, hi1 + 1, lo2, hi2 + 1], axis=1), axis=1)
    start, length = points[:, :-1], np.diff(points, axis=1)
    in1 = _covered(lo1, hi1, start)
    in2 = _covered(lo2, hi2, start)
    return (length * in1).sum(1), (length * in2).sum(1), (length * (in1 & in2)).sum(1)


def region_overlaps(
    regions1: np.ndarray, regions2: np.ndarray, bounds: np.ndarray | Sequence[float] | None = None
) -> np.ndarray:
    """Rasterised overlap of region pairs: ``(F, 4)`` boxes or ``(F, 2k)`` polygons each, bounds ``(W, H)`` or
    ``(F, 2)``.

    Returns float32 overlaps in [0, 1] (NaN where both regions cover no pixel).
    """
    p1 = _as_polygons(regions1)
    p2 = _as_polygons(regions2)
    frames = len(p1)
    if len(p2) != frames:
        raise ValueError(f"{frames} regions against {len(p2)}")
    out = np.zeros(frames, dtype=np.float32)
    if frames == 0:
        return out
    if bounds is None:
        bw = np.full(frames, np.finfo(np.float32).max, np.float32)
        bh = bw.copy()
    else:
        b = np.broadcast_to(np.asarray(bounds, dtype=np.float64), (frames, 2))
        bw, bh = b[:, 0].astype(np.float32), b[:, 1].astype(np.float32)
    b1 = _bounds(p1, bw, bh)
    b2 = _bounds(p2, bw, bh)
    x = np.minimum(b1[:, 0], b2[:, 0])
    y = np.minimum(b1[:, 1], b2[:, 1])
    with np.errstate(over="ignore", invalid="ignore"):
        gw = np.trunc(np.maximum(b1[:, 2], b2[:, 2]) - x).astype(np.float64) + 1
        gh = np.trunc(np.maximum(b1[:, 3], b2[:, 3]) - y).astype(np.float64) + 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a1 = ((b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])).astype(np.float64)
        a2 = ((b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])).astype(np.float64)
        degenerate = (a1 / a2 < 1e-10) | (a2 / a1 < 1e-10) | (gw < 1) | (gh < 1)
        inter = (np.minimum(b1[:, 2], b2[:, 2]) - np.maximum(b1[:, 0], b2[:, 0])) * (
            np.minimum(b1[:, 3], b2[:, 3]) - np.maximum(b1[:, 1], b2[:, 1])
        )
        ratio = inter / (
            (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1]) + (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1]) - inter
        )
        box_overlap = np.where(np.float32(0) > ratio, np.float32(0), ratio)
    todo = np.flatnonzero(~degenerate & ~(box_overlap == 0))
    if len(todo) == 0:
        return out
    offset = np.stack([x, y], axis=1)[:, None, :]
    q1 = _c_round((p1 - offset).astype(np.float32))
    q2 = _c_round((p2 - offset).astype(np.float32))
    heights = gh[todo].astype(np.int64)
    grid_width = gw.astype(np.int64)
    start = 0
    while start < len(todo):
        stop = start + 1
        total = heights[start]
        while stop < len(todo) and total + heights[stop] <= _CHUNK_ROWS:
            total += heights[stop]
            stop += 1
        pairs = todo[start:stop]
        rows_pair = np.repeat(pairs, heights[start:stop])
        first_row = np.repeat(np.cumsum(heights[start:stop]) - heights[start:stop], heights[start:stop])
        rows_y = np.arange(len(rows_pair)) - first_row
        lo1, hi1 = _spans(q1, rows_pair, rows_y, grid_width)
        lo2, hi2 = _spans(q2, rows_pair, rows_y, grid_width)
        c1, c2, both = _pixel_counts(lo1, hi1, lo2, hi2)
        local = np.searchsorted(pairs, rows_pair)
        n1 = np.bincount(local, c1, len(pairs))
        n2 = np.bincount(local, c2, len(pairs))
        nb = np.bincount(local, both, len(pairs))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[pairs] = np.float32(nb) / np.float32(n1 + n2 - nb)
        start = stop
    return out


def axis_aligned_box(region: FloatSequence) -> tuple[float, float, float, float]:
    """pysot's ``get_axis_aligned_bbox`` + its init convention: the (x, y, w, h) a tracker is started with.

    A polygon gives the box centred on its vertices' mean whose area equals the polygon's (``w = s (x2 - x1) + 1``);
    a box ``(x, y, w, h)`` gives ``(x + 0.5, y + 0.5, w, h)`` (its centre ``x + w/2`` re-read as ``x + (w-1)/2``).
    """
    r = np.asarray(region, dtype=np.float64)
    if r.size == 8:
        xs, ys = r[0::2], r[1::2]
        cx, cy = xs.mean(), ys.mean()
        x1, x2, y1, y2 = xs.min(), xs.max(), ys.min(), ys.max()
        a1 = np.linalg.norm(r[0:2] - r[2:4]) * np.linalg.norm(r[2:4] - r[4:6])
        a2 = (x2 - x1) * (y2 - y1)
        s = np.sqrt(a1 / a2)
        w, h = s * (x2 - x1) + 1, s * (y2 - y1) + 1
    else:
        x, y, w, h = r[:4]
        cx, cy = x + w / 2, y + h / 2
    return float(cx - (w - 1) / 2), float(cy - (h - 1) / 2), float(w), float(h)
