"""Box formats, overlaps and image crops, in one place.

Conventions: boxes are float arrays in 0-based pixel coordinates. ``xywh`` is (x, y, w, h) with (x, y) the top-left
corner; ``cxcywh`` is (centre x, centre y, w, h); ``xyxy`` is (x1, y1, x2, y2). Conversions between ``xywh`` and
``cxcywh`` follow the official tracker: the centre of a box is ``x + (w - 1) / 2`` when a box is *read* (init) and a
reported box is ``cx - w / 2`` (the official code is asymmetric; we keep it, it made the published numbers).
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np
import torch

from siamban.errors import InputError

#: A few numbers (a box, a centre, a size) as a list, a tuple or a 1-D array.
FloatSequence = Sequence[float] | np.ndarray


def xywh_to_xyxy(box: np.ndarray) -> np.ndarray:
    """(x, y, w, h) -> (x1, y1, x2, y2) with x2 = x + w (works on (..., 4) arrays)."""
    box = np.asarray(box, dtype=np.float64)
    return np.concatenate([box[..., :2], box[..., :2] + box[..., 2:4]], axis=-1)


def xyxy_to_xywh(box: np.ndarray) -> np.ndarray:
    box = np.asarray(box, dtype=np.float64)
    return np.concatenate([box[..., :2], box[..., 2:4] - box[..., :2]], axis=-1)


def xyxy_to_cxcywh(box: np.ndarray) -> np.ndarray:
    """(x1, y1, x2, y2) -> (cx, cy, w, h) with the centre at the midpoint (the official ``corner2center``)."""
    box = np.asarray(box)
    x1, y1, x2, y2 = box[..., 0], box[..., 1], box[..., 2], box[..., 3]
    return np.stack([(x1 + x2) * 0.5, (y1 + y2) * 0.5, x2 - x1, y2 - y1], axis=-1)


def cxcywh_to_xyxy(box: np.ndarray) -> np.ndarray:
    box = np.asarray(box)
    cx, cy, w, h = box[..., 0], box[..., 1], box[..., 2], box[..., 3]
    return np.stack([cx - w * 0.5, cy - h * 0.5, cx + w * 0.5, cy + h * 0.5], axis=-1)


def xywh_center(box: FloatSequence) -> tuple[float, float]:
    """Centre of an (x, y, w, h) box as the official tracker computes it: ``x + (w - 1) / 2``."""
    x, y, w, h = (float(v) for v in box[:4])
    return x + (w - 1) / 2, y + (h - 1) / 2


def iou_xywh(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Axis-aligned IoU of (x, y, w, h) boxes (right edge ``x + w``), broadcast over leading axes, in [0, 1]."""
    a = xywh_to_xyxy(a)
    b = xywh_to_xyxy(b)
    iw = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    ih = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = iw * ih
    area_a = np.clip(a[..., 2] - a[..., 0], 0, None) * np.clip(a[..., 3] - a[..., 1], 0, None)
    area_b = np.clip(b[..., 2] - b[..., 0], 0, None) * np.clip(b[..., 3] - b[..., 1], 0, None)
    union = area_a + area_b - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
    return np.clip(iou, 0.0, 1.0)


def context_size(size_wh: FloatSequence, context_amount: float) -> float:
    """Side of the square SiamFC context window around a target of ``size_wh``: sqrt((w + c(w+h)) (h + c(w+h)))."""
    w, h = float(size_wh[0]), float(size_wh[1])
    pad = context_amount * (w + h)
    return float(np.sqrt((w + pad) * (h + pad)))


#: How many frame widths (heights) an initial box may span (a target partly outside the frame is fine).
MAX_BOX_SCALE = 4


def check_box_xywh(box: Sequence[float], image_shape: tuple[int, ...]) -> np.ndarray:
    """Validate an initial box against an image; raise InputError naming the problem."""
    try:
        arr = np.asarray([float(v) for v in box], dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"box {box!r}: expected four numbers x, y, w, h") from None
    if arr.shape != (4,):
        raise InputError(f"box {list(box)!r}: expected four numbers x, y, w, h, got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"box {arr.tolist()}: values must be finite")
    x, y, w, h = arr
    if w <= 0 or h <= 0:
        raise InputError(f"box {arr.tolist()}: width and height must be positive (got w={w:g}, h={h:g})")
    height, width = image_shape[:2]
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        raise InputError(f"box {arr.tolist()}: lies outside the {width}x{height} frame")
    if w > MAX_BOX_SCALE * width or h > MAX_BOX_SCALE * height:
        # the tracker crops the box's context from the frame: a box many frames wide would ask for a crop of
        # gigabytes, and cannot be what the frame shows
        raise InputError(f"box {arr.tolist()}: larger than {MAX_BOX_SCALE} times the {width}x{height} frame")
    return arr


def score_size(search_size: int, exemplar_size: int, stride: int, base_size: int) -> int:
    """Side of the network's output maps for a ``search_size`` crop: ``(search - exemplar) // stride + 1 + base``
    (25 for 255, 127, 8 and 8)."""
    return (search_size - exemplar_size) // stride + 1 + base_size


def _window_origins(centers: np.ndarray, window_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sizes, first columns, first rows) of N official crop windows: first pixel ``floor(c - (s + 1) / 2 + 0.5)``."""
    sizes = np.asarray(window_sizes, dtype=np.int64).reshape(-1)
    if (sizes < 1).any():
        raise InputError(f"crop window of size {int(sizes.min())} is empty")
    centers = np.asarray(centers, dtype=np.float64).reshape(-1, 2)
    half = (sizes + 1) / 2
    xmin = np.floor(centers[:, 0] - half + 0.5).astype(np.int64)
    ymin = np.floor(centers[:, 1] - half + 0.5).astype(np.int64)
    return sizes, xmin, ymin


def _window_origin(center: Sequence[float], window_size: int) -> tuple[int, int, int]:
    """``_window_origins`` of one window, as ints."""
    sizes, xmin, ymin = _window_origins(np.asarray([center]), np.asarray([int(window_size)]))
    return int(sizes[0]), int(xmin[0]), int(ymin[0])


def crop_window(
    image: np.ndarray,
    center: Sequence[float],
    out_size: int,
    window_size: int,
    pad_color: np.ndarray,
) -> np.ndarray:
    """Cut a ``window_size`` square centred on ``center`` and resize it to ``out_size`` (the official crop).

    The window's first pixel is ``floor(c - (s + 1) / 2 + 0.5)``; where it leaves the image it is filled with
    ``pad_color`` (cast to uint8 the way NumPy assignment does, i.e. truncated). Resizing uses OpenCV bilinear and
    happens only when the window is not already ``out_size``. Returns an ``out_size x out_size x 3`` uint8 array.
    """
    s, xmin, ymin = _window_origin(center, window_size)
    height, width = image.shape[:2]
    xmax, ymax = xmin + s, ymin + s  # exclusive
    if xmin >= 0 and ymin >= 0 and xmax <= width and ymax <= height:
        patch = image[ymin:ymax, xmin:xmax]
    else:
        # Same pixels as padding the whole frame and cutting, without copying the frame.
        patch = np.empty((s, s, image.shape[2]), dtype=np.uint8)
        patch[...] = np.asarray(pad_color, dtype=np.float64).astype(np.uint8)
        sx0, sy0 = max(xmin, 0), max(ymin, 0)
        sx1, sy1 = min(xmax, width), min(ymax, height)
        if sx1 > sx0 and sy1 > sy0:
            patch[sy0 - ymin : sy1 - ymin, sx0 - xmin : sx1 - xmin] = image[sy0:sy1, sx0:sx1]
    if s != out_size:
        patch = cv2.resize(patch, (out_size, out_size))
    return np.ascontiguousarray(patch)


def _resize_taps(s: np.ndarray, out_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bilinear taps of ``F.interpolate`` (align_corners=False) from ``s`` to ``out_size`` pixels, per window: first
    and second source index (N, out) and the second one's weight (N, out), in float32 as torch computes them."""
    scale = s.astype(np.float32) / np.float32(out_size)
    src = np.maximum(scale[:, None] * (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) - np.float32(0.5), 0)
    first = np.floor(src).astype(np.int64)
    second = first + (first < (s[:, None] - 1))
    return first, second, (src - first).astype(np.float32)


def crop_windows_tensor(
    frame: torch.Tensor,
    centers: np.ndarray,
    out_size: int,
    window_sizes: np.ndarray,
    pad_colors: np.ndarray,
) -> torch.Tensor:
    """``crop_window`` of N windows of one frame with torch ops on the frame's device, in one batch of operations:
    ``frame`` (H, W, 3) uint8 -> (N, 3, out, out) float32. ``centers`` (N, 2), ``window_sizes`` (N,), ``pad_colors``
    (N, 3): each window's centre, side and padding colour (truncated to uint8 as OpenCV's border value is).

    Same windows and padding; the resize is ``F.interpolate``'s bilinear (no antialias, like OpenCV's) written as a
    gather of each output pixel's four taps, rounded to whole grey levels, so pixels agree with the OpenCV crop within
    one grey level. Lets a GPU tracker upload the frame once and crop any number of targets with a fixed number of
    kernel launches.
    """
    sizes, xmin, ymin = _window_origins(centers, window_sizes)
    height, width, channels = (int(v) for v in frame.shape)
    first, second, weight = _resize_taps(sizes, out_size)
    outside = -(height * width + width + 1)  # any index built from an outside row or column is negative
    ys, xs = (ymin[:, None] + first, ymin[:, None] + second), (xmin[:, None] + first, xmin[:, None] + second)
    rows = [np.where((y >= 0) & (y < height), y * width, outside) for y in ys]
    cols = [np.where((x >= 0) & (x < width), x, outside) for x in xs]
    taps = torch.from_numpy(np.stack(rows + cols, axis=1)).to(frame.device)  # (N, 4, out)
    weights = torch.from_numpy(np.stack([1 - weight, weight], axis=1)).to(frame.device)  # (N, 2, out)
    fill = np.asarray(pad_colors, dtype=np.float64).reshape(-1, channels).astype(np.uint8)
    fills = torch.from_numpy(fill).to(frame.device)[:, None, None, None, None, :]
    index = taps[:, 0:2, None, :, None] + taps[:, None, 2:4, None, :]  # (N, 2 rows, 2 columns, out, out)
    inside = (index >= 0).unsqueeze(-1)
    pixels = frame.reshape(-1, channels)[index.clamp_(min=0)]  # (N, 2, 2, out, out, 3)
    pixels = torch.where(inside, pixels, fills).float()
    tap_weights = weights[:, :, None, :, None] * weights[:, None, :, None, :]  # (N, 2, 2, out, out): row x column
    values = (pixels * tap_weights.unsqueeze(-1)).sum(dim=(1, 2))
    return values.round_().clamp_(0, 255).permute(0, 3, 1, 2).contiguous()


def polygon_to_xywh(points: Sequence[float]) -> np.ndarray:
    """Axis-aligned (x, y, w, h) box for a VOT polygon, as the official VOT test scripts make it.

    Centre = mean of the vertices; size = the extremes' extent scaled so that the area matches the polygon's
    (first two edge lengths of the rotated rectangle), plus one pixel; then x = cx - (w - 1) / 2.
    A 4-value region is returned as it is.
    """
    region = np.asarray(points, dtype=np.float64).ravel()
    if region.size == 4:
        return region.copy()
    if region.size < 6 or region.size % 2:
        raise InputError(f"polygon {region.tolist()}: expected 4 values (x,y,w,h) or 3+ (x,y) vertices")
    xs, ys = region[0::2], region[1::2]
    cx, cy = xs.mean(), ys.mean()
    x1, x2, y1, y2 = xs.min(), xs.max(), ys.min(), ys.max()
    edges = np.linalg.norm(region[0:2] - region[2:4]) * np.linalg.norm(region[2:4] - region[4:6])
    extent = (x2 - x1) * (y2 - y1)
    s = np.sqrt(edges / extent) if extent > 0 else 1.0
    w, h = s * (x2 - x1) + 1, s * (y2 - y1) + 1
    return np.array([cx - (w - 1) / 2, cy - (h - 1) / 2, w, h])
