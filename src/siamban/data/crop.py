"""The SiamFC-context crop that every training image goes through, prepared on disk or cut on the fly.

A target box (x1, y1, x2, y2) gets the template context side ``s_z = sqrt((w + c(w+h)) (h + c(w+h)))`` with
``c = 0.5``; the crop covers the square of side ``s_x = s_z * 511 / 127`` around the box centre, mapped onto a
511x511 patch by an affine warp (window edge to pixel 0 and 510) with the frame's mean colour outside the frame. In
the patch the target sits at the centre with size ``(w, h) * 127 / s_z`` (the official ``_get_bbox``). The
official preparation scripts (``par_crop.py``) and data loader do exactly this; the same warp, with a black border,
cuts the template and search patches out of the 511 crop during augmentation.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from siamban.errors import InputError
from siamban.geometry import FloatSequence, context_size

#: Side of the prepared crops (``crop511``) and of the on-the-fly crops.
CROP_SIZE = 511
#: Context around the target in training crops; fixed in the official training code (not ``TRACK.CONTEXT_AMOUNT``).
CONTEXT_AMOUNT = 0.5


def warp_crop(
    image: np.ndarray,
    window_xyxy: FloatSequence,
    out_size: int,
    pad_color: Sequence[float] = (0.0, 0.0, 0.0),
) -> np.ndarray:
    """Map ``window_xyxy`` onto an ``out_size`` square (x1 -> 0, x2 -> out_size - 1) by a bilinear affine warp.

    Pixels the window takes from outside the image get ``pad_color``. Keeps the image's dtype.
    """
    x1, y1, x2, y2 = (float(v) for v in window_xyxy)
    if not (x2 > x1 and y2 > y1):
        raise InputError(f"crop window {[x1, y1, x2, y2]} is empty")
    a = (out_size - 1) / (x2 - x1)
    b = (out_size - 1) / (y2 - y1)
    mapping = np.array([[a, 0.0, -a * x1], [0.0, b, -b * y1]], dtype=np.float64)
    border = tuple(float(c) for c in pad_color)
    return cv2.warpAffine(
        image, mapping, (out_size, out_size), borderMode=cv2.BORDER_CONSTANT, borderValue=border
    )


def context_window(
    box_xyxy: FloatSequence,
    out_size: int = CROP_SIZE,
    exemplar_size: int = 127,
    context_amount: float = CONTEXT_AMOUNT,
) -> tuple[float, float, float, float]:
    """The square (x1, y1, x2, y2) of side ``s_z * out_size / exemplar_size`` centred on the box, in frame pixels."""
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    s_x = context_size((x2 - x1, y2 - y1), context_amount) * out_size / exemplar_size
    return cx - s_x / 2, cy - s_x / 2, cx + s_x / 2, cy + s_x / 2


def context_crop(
    image: np.ndarray,
    box_xyxy: FloatSequence,
    out_size: int = CROP_SIZE,
    exemplar_size: int = 127,
    context_amount: float = CONTEXT_AMOUNT,
) -> np.ndarray:
    """The ``out_size`` SiamFC-context crop of a BGR uint8 frame around a target, mean-colour padded."""
    window = context_window(box_xyxy, out_size, exemplar_size, context_amount)
    return warp_crop(image, window, out_size, image.mean(axis=(0, 1)))


def box_in_context_crop(
    crop_shape: Sequence[int],
    size_wh: Sequence[float],
    exemplar_size: int = 127,
    context_amount: float = CONTEXT_AMOUNT,
) -> np.ndarray:
    """Target box (x1, y1, x2, y2) in a context crop of ``crop_shape`` (H, W, ...) for a target of ``size_wh``.

    Centred at ``(W // 2, H // 2)`` with size ``(w, h) * exemplar_size / s_z``, as the official loader computes it.
    """
    w, h = float(size_wh[0]), float(size_wh[1])
    scale = exemplar_size / context_size((w, h), context_amount)
    w, h = w * scale, h * scale
    cx, cy = crop_shape[1] // 2, crop_shape[0] // 2
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dtype=np.float64)
