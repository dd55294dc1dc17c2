"""The SiamFC-context 511 crop: window, target box and padding, against hand-computed numbers."""

from __future__ import annotations

import numpy as np
import pytest

from siamban.data.crop import box_in_context_crop, context_crop, context_window, warp_crop
from siamban.errors import InputError

from data_helpers import BACKGROUND, drawn_bounds, scene, white_bounds

BOX = (80.0, 40.0, 120.0, 60.0)  # w 40, h 20 in a 200x100 frame


def test_context_window_hand_computed():
    # s_z = sqrt((40 + 30) * (20 + 30)) = 59.160798; s_x = s_z * 511 / 127 = 238.040690; centre (100, 50)
    window = context_window(BOX)
    assert window == pytest.approx((-19.020345, -69.020345, 219.020345, 169.020345), abs=1e-5)


def test_box_in_context_crop_hand_computed():
    # scale 127 / 59.160798 = 2.146692: size (85.867672, 42.933836) centred at (255, 255)
    box = box_in_context_crop((511, 511, 3), (40, 20))
    assert box == pytest.approx([212.066164, 233.533082, 297.933836, 276.466918], abs=1e-4)
    # the centre is (W // 2, H // 2) of the crop, as the official loader computes it
    assert box_in_context_crop((100, 60, 3), (40, 20))[:2] == pytest.approx([30 - 42.933836, 50 - 21.466918], abs=1e-4)


def test_context_crop_puts_the_target_where_the_box_says():
    image = scene(200, 100, BOX)
    crop = context_crop(image, BOX)
    assert crop.shape == (511, 511, 3) and crop.dtype == np.uint8
    expected = box_in_context_crop(crop.shape, (40, 20))
    assert white_bounds(crop) == pytest.approx(drawn_bounds(expected, 2.146692), abs=1.2)
    # rows above the frame (window y1 = -69) are padded with the frame's mean colour
    mean = image.mean(axis=(0, 1))
    assert np.abs(crop[5, 255].astype(float) - mean).max() <= 1.0
    assert np.abs(crop[255, 150].astype(float) - np.array(BACKGROUND)).max() <= 1.0


def test_warp_crop_identity_window_and_black_border():
    image = np.arange(5 * 5 * 3, dtype=np.uint8).reshape(5, 5, 3)
    assert np.array_equal(warp_crop(image, (0, 0, 4, 4), 5), image)  # x1 -> 0, x2 -> out - 1
    shifted = warp_crop(image, (-1, 0, 3, 4), 5)
    assert np.array_equal(shifted[:, 1:], image[:, :4]) and not shifted[:, 0].any()
    with pytest.raises(InputError, match="empty"):
        warp_crop(image, (2, 2, 2, 4), 5)
