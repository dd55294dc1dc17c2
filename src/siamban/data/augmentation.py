"""The official training augmentation: cut a template or search patch out of a 511 crop, jittered.

In order: grayscale (when asked), a shift-and-scale jittered window around the crop centre warped to the output
size with a black border, a PCA colour offset, a line blur, a horizontal flip. The random draws come from the
caller's generator; the geometry is in pure functions so that it can be checked by hand.
"""

from __future__ import annotations


import cv2
import numpy as np

from siamban.config import AugmentationConfig
from siamban.data.crop import warp_crop
from siamban.geometry import FloatSequence

#: The fixed colour PCA matrix of the official code (rows applied to N(0, 1) draws; result is RGB order).
RGB_VAR = np.array(
    [
        [-0.55919361, 0.98062831, -0.41940627],
        [1.72091413, 0.19879334, -1.82968581],
        [4.64467907, 4.73710203, 4.88324118],
    ],
    dtype=np.float32,
)
BLUR_SIZES = np.arange(5, 46, 2)


def jitter_window(
    image_wh: tuple[int, int], size: int, scale_xy: tuple[float, float], shift_xy: tuple[float, float]
) -> tuple[np.ndarray, tuple[float, float]]:
    """The window (x1, y1, x2, y2) to warp to ``size`` and the scale factors actually applied.

    The window starts as the ``size - 1`` square centred on the image centre (``W // 2, H // 2``), is scaled about
    its centre by ``scale_xy`` (each capped at image side / window side) and shifted by ``shift_xy`` (clamped so that
    the window stays within ``[0, W - 1] x [0, H - 1]``, as officially).
    """
    im_w, im_h = image_wh
    cx, cy = im_w // 2, im_h // 2
    side = size - 1
    sx = min(float(scale_xy[0]), im_w / side)
    sy = min(float(scale_xy[1]), im_h / side)
    w, h = side * sx, side * sy
    x1, y1, x2, y2 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
    dx = max(-x1, min(im_w - 1 - x2, float(shift_xy[0])))
    dy = max(-y1, min(im_h - 1 - y2, float(shift_xy[1])))
    return np.array([x1 + dx, y1 + dy, x2 + dx, y2 + dy]), (sx, sy)


def box_in_window(box_xyxy: FloatSequence, window: np.ndarray, scale_xy: tuple[float, float]) -> np.ndarray:
    """A box in the image -> the same box in the patch warped from ``window`` (the official mapping)."""
    box = np.asarray(box_xyxy, dtype=np.float64)
    sx, sy = scale_xy
    return (box - np.array([window[0], window[1]] * 2)) / np.array([sx, sy, sx, sy])


def blur_kernel(size: int, weight_x: float) -> np.ndarray:
    """A ``size`` square kernel: a vertical line of weight ``weight_x`` and a horizontal one of ``1 - weight_x``."""
    kernel = np.zeros((size, size))
    c = size // 2
    kernel[:, c] += weight_x / size
    kernel[c, :] += (1.0 - weight_x) / size
    return kernel


class Augmentation:
    """Template or search augmentation configured by an ``AugmentationConfig``."""

    def __init__(self, config: AugmentationConfig) -> None:
        self.config = config

    def __call__(
        self,
        image: np.ndarray,
        box_xyxy: FloatSequence,
        size: int,
        rng: np.random.Generator,
        gray: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(size x size x 3 float32 BGR patch, box x1, y1, x2, y2 in the patch).

        Colour offsets can take values slightly outside 0..255; like the official code we do not clip.
        """
        cfg = self.config
        if gray:
            image = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
        u = rng.uniform(-1.0, 1.0, size=4)  # always drawn: the stream does not depend on the configuration
        scale = (1.0 + u[0] * cfg.scale, 1.0 + u[1] * cfg.scale)
        window, applied = jitter_window((image.shape[1], image.shape[0]), size, scale, (u[2] * cfg.shift,
                                                                                       u[3] * cfg.shift))
        box = box_in_window(box_xyxy, window, applied)
        patch: np.ndarray = warp_crop(image, window, size).astype(np.float32)
        draws = rng.random(3)
        noise = rng.standard_normal(3)
        if cfg.color > draws[0]:
            offset = (RGB_VAR @ noise.astype(np.float32))[::-1]  # RGB -> BGR
            patch = patch - offset.astype(np.float32)
        if cfg.blur > draws[1]:
            kernel = blur_kernel(int(rng.choice(BLUR_SIZES)), float(rng.random()))
            patch = cv2.filter2D(patch, -1, kernel)
        if cfg.flip > draws[2]:
            patch = np.ascontiguousarray(patch[:, ::-1])
            width = patch.shape[1]
            box = np.array([width - 1 - box[2], box[1], width - 1 - box[0], box[3]])
        return patch, box
