"""The official augmentation: window and box geometry by hand, and the box against the pixels after shift, scale,
flip, grayscale, colour and blur."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from data_helpers import scene, white_bounds
from siamban.config import AugmentationConfig
from siamban.data.augmentation import BLUR_SIZES, RGB_VAR, Augmentation, blur_kernel, box_in_window, jitter_window

BOX = (200.0, 220.0, 310.0, 290.0)  # a 110 x 70 white rectangle in a 511 x 511 crop
CROP = scene(511, 511, BOX)


def augment(seed: int, gray: bool = False, size: int = 255, **config: float) -> tuple[np.ndarray, np.ndarray]:
    values = {"shift": 0.0, "scale": 0.0, "blur": 0.0, "flip": 0.0, "color": 0.0} | config
    return Augmentation(AugmentationConfig(**values))(CROP, BOX, size, np.random.default_rng(seed), gray)


def test_jitter_window_hand_computed():
    # The 254 square centred on (255, 255), scaled about its centre, then shifted.
    window, applied = jitter_window((511, 511), 255, (1.0, 1.0), (0.0, 0.0))
    assert window.tolist() == [128, 128, 382, 382] and applied == (1.0, 1.0)
    # 254 * 1.1 = 279.4 wide, 254 * 0.9 = 228.6 high, then +10 in x, -20 in y.
    window, applied = jitter_window((511, 511), 255, (1.1, 0.9), (10.0, -20.0))
    assert window == pytest.approx([125.3, 120.7, 404.7, 349.3]) and applied == (1.1, 0.9)
    # A shift is clamped so that the window stays inside [0, 510]: at most 510 - 382 = 128 either way.
    assert jitter_window((511, 511), 255, (1.0, 1.0), (200.0, -200.0))[0].tolist() == [256, 0, 510, 254]
    # A scale is capped at image side / window side (the 127 template window in a 200 x 150 image).
    _, applied = jitter_window((200, 150), 127, (2.0, 1.5), (0.0, 0.0))
    assert applied == pytest.approx((200 / 126, 150 / 126))


def test_box_in_window_hand_computed():
    box = box_in_window(BOX, np.array([125.3, 120.7, 404.7, 349.3]), (1.1, 0.9))
    # ((200 - 125.3) / 1.1, (220 - 120.7) / 0.9, (310 - 125.3) / 1.1, (290 - 120.7) / 0.9)
    assert box == pytest.approx([67.909091, 110.333333, 167.909091, 188.111111])


def test_no_jitter_cuts_the_centre_of_the_crop():
    patch, box = augment(0)
    assert patch.shape == (255, 255, 3) and patch.dtype == np.float32
    assert np.array_equal(patch, CROP[128:383, 128:383].astype(np.float32))  # window 128..382 -> 0..254
    assert box.tolist() == [72, 92, 182, 162]
    template, tbox = augment(0, size=127)
    assert np.array_equal(template, CROP[192:319, 192:319].astype(np.float32)) and tbox.tolist() == [8, 28, 118, 98]


@pytest.mark.parametrize("seed", range(6))
def test_shift_and_scale_keep_the_box_on_the_target(seed):
    # The search settings (SHIFT 64, SCALE 0.18): the box must bound the white pixels of the warped patch.
    patch, box = augment(seed, shift=64, scale=0.18)
    assert white_bounds(patch) == pytest.approx(box.tolist(), abs=1.0)
    sx, sy = 1 + 0.18 * np.random.default_rng(seed).uniform(-1, 1, 2)  # the first two draws are the scales
    assert (box[2] - box[0], box[3] - box[1]) == pytest.approx((110 / sx, 70 / sy))


def test_jitter_is_bounded_by_shift_and_scale():
    centres, sizes = [], []
    for seed in range(200):
        _, box = augment(seed, shift=64, scale=0.18)
        centres.append((box[:2] + box[2:]) / 2)
        sizes.append(box[2:] - box[:2])
    # The target sits at the crop centre, which scaling leaves in place: its centre moves by -shift / scale only.
    offsets = np.array(centres) - np.array([127.0, 127.0])
    scales = np.array([110.0, 70.0]) / np.array(sizes)
    assert np.all(np.abs(scales - 1) <= 0.18 + 1e-9) and np.ptp(scales, axis=0).min() > 0.3  # the range is used
    assert np.abs(offsets).max() <= 64 / 0.82 and np.abs(offsets).max(axis=0).min() > 60


def test_flip_mirrors_pixels_and_box():
    plain, box = augment(3, shift=64, scale=0.18)
    flipped, fbox = augment(3, shift=64, scale=0.18, flip=1.0)  # same draws: only the flip differs
    assert np.array_equal(flipped, plain[:, ::-1])
    assert fbox.tolist() == pytest.approx([254 - box[2], box[1], 254 - box[0], box[3]])  # official: W - 1 - x
    # Pixel column i goes to 254 - i, so content spanning [a, b) spans [255 - b, 255 - a): the official box, which
    # treats coordinates as pixel centres, sits one pixel left of the mirrored content (FLIP is 0 in the recipe).
    assert white_bounds(flipped) == pytest.approx([fbox[0] + 1, fbox[1], fbox[2] + 1, fbox[3]], abs=1.0)


def test_grayscale_before_the_colour_offset():
    gray, box = augment(4, gray=True, shift=64, scale=0.18)
    plain, pbox = augment(4, shift=64, scale=0.18)
    assert np.array_equal(box, pbox)
    assert np.array_equal(gray[..., 0], gray[..., 1]) and np.array_equal(gray[..., 0], gray[..., 2])
    expected = cv2.cvtColor(cv2.cvtColor(plain.astype(np.uint8), cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    assert np.abs(gray - expected).max() <= 1  # grey of the crop, then warped: the same up to rounding
    # With the colour offset the three grey channels differ by constants.
    coloured, _ = augment(4, gray=True, color=1.0)
    delta = coloured - coloured[..., :1]
    assert np.ptp(delta[..., 1]) < 1e-3 and np.ptp(delta[..., 2]) < 1e-3


def test_colour_offset_is_the_official_pca_draw():
    plain, _ = augment(5)
    coloured, _ = augment(5, color=1.0)
    rng = np.random.default_rng(5)
    rng.uniform(-1, 1, 4)  # shift and scale draws
    rng.random(3)  # colour, blur and flip coins
    noise = rng.standard_normal(3).astype(np.float32)
    offset_bgr = (RGB_VAR @ noise)[::-1]
    assert (plain - coloured) == pytest.approx(np.broadcast_to(offset_bgr, plain.shape), abs=1e-3)


def test_blur_kernel_and_blurred_edges():
    kernel = blur_kernel(5, 0.25)
    # a vertical line of 0.25 / 5 and a horizontal line of 0.75 / 5, crossing at the centre
    assert kernel[:, 2].tolist() == pytest.approx([0.05, 0.05, 0.2, 0.05, 0.05])
    assert kernel[2, :].tolist() == pytest.approx([0.15, 0.15, 0.2, 0.15, 0.15])
    assert kernel.sum() == pytest.approx(1.0) and np.count_nonzero(kernel) == 9
    sharp, box = augment(6, shift=64, scale=0.18)
    blurred, bbox = augment(6, shift=64, scale=0.18, blur=1.0)
    assert np.array_equal(box, bbox)  # blur never moves the box
    rng = np.random.default_rng(6)
    rng.uniform(-1, 1, 4), rng.random(3), rng.standard_normal(3)  # the draws before the blur's own two
    size, weight_x = int(rng.choice(BLUR_SIZES)), float(rng.random())
    assert size in range(5, 46, 2)
    assert np.array_equal(blurred, cv2.filter2D(sharp, -1, blur_kernel(size, weight_x)))
    assert not np.array_equal(blurred, sharp)
