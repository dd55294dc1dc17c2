import numpy as np
import pytest
import torch

from probe_model import PROBE_CONFIG, moving_square_video, probe_model
from siamban.errors import InputError
from siamban.geometry import iou_xywh
from siamban.tracker import SiamBANTracker, TrackResult
from siamban.tracker.sequence import track_frames


@pytest.fixture
def tracker():
    return SiamBANTracker(probe_model(), PROBE_CONFIG.track, device="cpu")


def test_follows_a_moving_square(tracker):
    frames, boxes = moving_square_video(60)
    results = [r for _, _, r in track_frames(tracker, frames, boxes[0])]
    assert len(results) == 60 and results[0] == TrackResult(tuple(boxes[0]), 1.0)
    ious = iou_xywh(np.array([r.box for r in results]), boxes)
    assert ious.min() > 0.5 and ious.mean() > 0.75
    assert min(r.score for r in results) > 0.5
    # the square travelled 118 px to the right and back again; a tracker stuck at the start would have IoU 0
    assert np.ptp(boxes[:, 0]) > 100


def test_rgb_input_gives_the_same_boxes():
    frames, boxes = moving_square_video(10)
    bgr = SiamBANTracker(probe_model(), PROBE_CONFIG.track, device="cpu")
    rgb = SiamBANTracker(probe_model(), PROBE_CONFIG.track, device="cpu", rgb=True)
    a = [r.box for _, _, r in track_frames(bgr, frames, boxes[0])]
    b = [r.box for _, _, r in track_frames(rgb, [f[:, :, ::-1].copy() for f in frames], boxes[0])]
    assert a == b


def test_bad_calls(tracker):
    frames, boxes = moving_square_video(2)
    with pytest.raises(InputError, match="before init"):
        tracker.track(frames[0])
    with pytest.raises(InputError, match="expected shape HxWx3"):
        tracker.init(frames[0][:, :, 0], boxes[0])
    with pytest.raises(InputError, match="expected dtype uint8"):
        tracker.init(frames[0].astype(np.float32), boxes[0])
    with pytest.raises(InputError, match="width and height must be positive"):
        tracker.init(frames[0], (10, 10, 0, 10))
    with pytest.raises(InputError, match="outside the 320x240 frame"):
        tracker.init(frames[0], (330, 10, 20, 20))


def test_overflowing_maps_hold_the_last_box_with_zero_score(tracker):
    frames, boxes = moving_square_video(3)
    tracker.init(frames[0], boxes[0])
    held = tuple(float(v) for v in tracker.state.boxes_xywh()[0])
    crop = tracker.search_crop(frames[1])
    with torch.inference_mode():
        cls, loc = tracker.model.track(crop.tensor, tracker.kernels)
    result = tracker.apply_maps(crop, cls, loc * float("inf"))  # exp() overflow of an untrained or fp16 head
    assert result.box == held and result.score == 0.0
    assert iou_xywh(np.array([tracker.track(frames[2]).box]), boxes[2:3])[0] > 0.5  # and tracking goes on
