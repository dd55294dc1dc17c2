"""Helpers that fabricate tiny images for the data tests (imported as ``data_helpers``)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

BACKGROUND = (60, 90, 120)  # BGR
FOREGROUND = (255, 255, 255)


def scene(width: int, height: int, box_xyxy: Sequence[float] | None = None) -> np.ndarray:
    """A flat BGR image with a white rectangle covering ``box_xyxy`` (pixel centres inside the box)."""
    image = np.empty((height, width, 3), np.uint8)
    image[...] = BACKGROUND
    if box_xyxy is not None:
        x1, y1, x2, y2 = (int(round(v)) for v in box_xyxy)
        image[max(y1, 0) : max(y2, 0), max(x1, 0) : max(x2, 0)] = FOREGROUND
    return image


def write_image(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 98])
    assert ok
    path.write_bytes(data.tobytes())
    return path


def drawn_bounds(box_xyxy: Sequence[float], scale: float) -> tuple[float, float, float, float]:
    """Where ``white_bounds`` finds a rectangle drawn at ``box_xyxy`` after a warp that scales it by ``scale``.

    Boxes use continuous coordinates (pixel i spans [i, i + 1)) but warps map pixel centres, so the drawn content
    sits half a source pixel (``scale / 2`` output pixels) up-left of the mapped box, as in the official code.
    Compare with a tolerance of 1.2: whole output pixels (up to 1) plus the official 510-vs-511 scale difference
    between the crop warp and the box (up to 0.1 at these sizes).
    """
    return tuple(float(v) - scale / 2 for v in box_xyxy)  # type: ignore[return-value]


def white_bounds(image: np.ndarray, threshold: float = 157) -> tuple[float, float, float, float]:
    """(x1, y1, x2, y2) bounding the bright pixels, edges at pixel borders (x2 = last column + 1)."""
    mask = image.astype(np.float64).min(axis=2) > threshold
    ys, xs = np.nonzero(mask)
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)
