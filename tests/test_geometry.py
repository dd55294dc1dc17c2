import numpy as np
import pytest

from siamban.errors import InputError
from siamban.geometry import (
    check_box_xywh,
    context_size,
    crop_window,
    cxcywh_to_xyxy,
    iou_xywh,
    xywh_center,
    xywh_to_xyxy,
    xyxy_to_cxcywh,
    xyxy_to_xywh,
)


def test_box_conversions():
    assert xywh_to_xyxy([10, 20, 30, 40]).tolist() == [10, 20, 40, 60]
    assert xyxy_to_xywh([10, 20, 40, 60]).tolist() == [10, 20, 30, 40]
    assert xyxy_to_cxcywh(np.array([10.0, 20.0, 40.0, 60.0])).tolist() == [25, 40, 30, 40]
    assert cxcywh_to_xyxy(np.array([25.0, 40.0, 30.0, 40.0])).tolist() == [10, 20, 40, 60]
    # The official init centre uses (w - 1) / 2.
    assert xywh_center([100, 80, 40, 30]) == (119.5, 94.5)


def test_iou_hand_computed():
    assert iou_xywh(np.array([0, 0, 10, 10]), np.array([5, 0, 10, 10])) == pytest.approx(50 / 150)
    assert iou_xywh(np.array([0, 0, 10, 10]), np.array([0, 0, 10, 10])) == 1.0
    assert iou_xywh(np.array([0, 0, 10, 10]), np.array([20, 20, 5, 5])) == 0.0
    assert iou_xywh(np.array([0, 0, 0, 10]), np.array([0, 0, 0, 10])) == 0.0  # degenerate: no area, no overlap
    batch = iou_xywh(np.array([[0, 0, 4, 4], [0, 0, 4, 4]]), np.array([[2, 2, 4, 4], [0, 2, 4, 4]]))
    assert batch.tolist() == pytest.approx([4 / 28, 8 / 24])


def test_context_size():
    # w=40, h=30, c=0.5: sqrt((40 + 35) * (30 + 35)) = sqrt(4875)
    assert context_size((40, 30), 0.5) == pytest.approx(69.8212002188447)


def test_crop_inside_is_a_plain_cut():
    image = np.arange(20 * 30 * 3, dtype=np.int64).reshape(20, 30, 3).astype(np.uint8)
    # centre 10.0 and side 5: first pixel floor(10 - 3 + 0.5) = 7 -> pixels 7..11
    patch = crop_window(image, (10.0, 12.0), 5, 5, np.zeros(3))
    assert np.array_equal(patch, image[9:14, 7:12])


def test_crop_pads_with_the_truncated_mean_colour():
    image = np.full((10, 10, 3), 200, np.uint8)
    patch = crop_window(image, (0.0, 0.0), 6, 6, np.array([1.9, 50.5, 255.0]))
    # first pixel floor(0 - 3.5 + 0.5) = -3: rows/cols 0..2 are padding, 3..5 are the image
    assert patch[:3, :3].tolist() == [[[1, 50, 255]] * 3] * 3
    assert (patch[3:, 3:] == 200).all()
    assert (patch[:3, 3:] == [1, 50, 255]).all() and (patch[3:, :3] == [1, 50, 255]).all()


def test_crop_resizes_with_opencv_bilinear():
    image = np.zeros((40, 40, 3), np.uint8)
    image[:, 20:] = 255
    # centre 20.5, side 40: first pixel floor(20.5 - 20.5 + 0.5) = 0, the window is the whole image
    patch = crop_window(image, (20.5, 20.5), 20, 40, np.zeros(3))
    assert patch.shape == (20, 20, 3)
    assert patch[0, :, 0].tolist() == [0] * 10 + [255] * 10
    # one pixel to the left the window starts at -1 (padding): output pixel 10 samples 19.5 + 0.5 -> half way
    patch = crop_window(image, (19.5, 20.5), 20, 40, np.zeros(3))
    assert patch[0, :, 0].tolist() == [0] * 10 + [128] + [255] * 9


@pytest.mark.parametrize(
    "box, message",
    [
        ((10, 10, 0, 5), "width and height must be positive"),
        ((10, 10, 5, -1), "width and height must be positive"),
        ((400, 10, 5, 5), "outside the 320x240 frame"),
        ((-50, 10, 20, 20), "outside the 320x240 frame"),
        ((1, 2, 3), "expected four numbers"),
        (("a", 2, 3, 4), "expected four numbers"),
        ((1, 2, float("nan"), 4), "must be finite"),
    ],
)
def test_bad_boxes(box, message):
    with pytest.raises(InputError, match=message):
        check_box_xywh(box, (240, 320, 3))
