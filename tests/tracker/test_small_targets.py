"""Small targets: a wider search crop (``SMALL_INSTANCE_SIZE``) while the target is below ``SMALL_TARGET_SIZE``."""

import dataclasses

import numpy as np

from probe_model import PROBE_CONFIG, probe_model
from siamban.tracker import SiamBANTracker

SIDE = 14


def fast_small_square_video(step: int = 26):
    """A bright 14 px square jumping ``step`` px right per frame on a dark background (about 2 sides per frame)."""
    frames, boxes = [], []
    for i in range(9):
        frame = np.full((240, 400, 3), 20, dtype=np.uint8)
        x = 40 + step * i
        frame[110 : 110 + SIDE, x : x + SIDE] = 235
        frames.append(frame)
        boxes.append((x, 110, SIDE, SIDE))
    return frames, boxes


def centre_errors(small_instance_size: int) -> list[float]:
    frames, boxes = fast_small_square_video()
    cfg = dataclasses.replace(PROBE_CONFIG.track, small_target_size=20, small_instance_size=small_instance_size)
    tracker = SiamBANTracker(probe_model(), cfg, device="cpu")
    tracker.init(frames[0], boxes[0])
    errors = []
    for frame, (x, y, w, h) in zip(frames[1:], boxes[1:]):
        bx, by, bw, bh = tracker.track(frame).box
        errors.append(float(np.hypot(bx + bw / 2 - x - w / 2, by + bh / 2 - y - h / 2)))
    return errors


def test_search_crop_widens_only_while_the_target_is_small():
    cfg = dataclasses.replace(PROBE_CONFIG.track, small_target_size=20, small_instance_size=383)
    tracker = SiamBANTracker(probe_model(), cfg, device="cpu")
    frames, boxes = fast_small_square_video()
    tracker.init(frames[0], boxes[0])
    assert tracker.search_size() == 383 and tracker.search_crop(frames[1]).instance == 383
    tracker.init(frames[0], (40, 100, 30, 30))  # side 30 >= 20: the usual crop
    assert tracker.search_size() == 255


def test_a_fast_small_target_is_followed_only_with_the_wider_search():
    wide, usual = centre_errors(383), centre_errors(0)
    assert max(wide) < 6  # every frame within 6 px of the centre
    assert np.median(usual) > 20  # the 255 crop (about 56 px of frame here) loses the square after a jump
