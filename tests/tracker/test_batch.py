"""BatchTracker: N targets through one network call per step give the boxes of N single trackers."""

import numpy as np
import pytest

from probe_model import PROBE_CONFIG, moving_square_video, probe_model
from siamban import BatchTracker
from siamban.errors import InputError
from siamban.geometry import iou_xywh
from siamban.tracker import SiamBANTracker


def two_videos(frames: int = 14):
    a, boxes_a = moving_square_video(frames)
    b, boxes_b = moving_square_video(frames, step=(-3, 4), side=40)
    return (a, boxes_a), (b, boxes_b)


def test_same_boxes_as_one_tracker_per_target():
    (a, boxes_a), (b, boxes_b) = two_videos()
    model = probe_model()
    # (video, first frame, first box): two targets in video a (the second one added later, on a drifted box), one in b
    plan = {"a0": (a, 0, boxes_a[0]), "b3": (b, 3, boxes_b[3]), "a5": (a, 5, boxes_a[5] + (6, -4, 0, 0))}
    batch = BatchTracker(model, PROBE_CONFIG.track, device="cpu")
    singles = {t: SiamBANTracker(model, PROBE_CONFIG.track, device="cpu") for t in plan}
    got = {t: [] for t in plan}
    want = {t: [] for t in plan}
    for i in range(len(a)):
        for t, (video, start, box) in plan.items():
            if i == start:
                assert batch.add(video[i], box, target_id=t) == t
                singles[t].init(video[i], box)
        frames = {t: video[i] for t, (video, start, _) in plan.items() if start < i}
        if frames:
            results = batch.track(frames)
            assert list(results) == list(frames)
            for t, frame in frames.items():
                got[t].append(results[t].box)
                want[t].append(singles[t].track(frame).box)
    assert batch.targets == ["a0", "b3", "a5"]
    for t in plan:
        assert len(got[t]) == len(a) - 1 - plan[t][1]
        np.testing.assert_allclose(got[t], want[t], atol=1e-3)
    # the probe really follows both squares (a tracker that stood still would have lost them by the end)
    assert iou_xywh(np.array(got["a0"]), boxes_a[1:]).min() > 0.6
    assert iou_xywh(np.array(got["b3"]), boxes_b[4:]).min() > 0.6


def test_one_frame_for_all_targets_and_removal():
    frames, boxes = moving_square_video(6)
    model = probe_model()
    batch = BatchTracker(model, PROBE_CONFIG.track, device="cpu")
    first = batch.add(frames[0], boxes[0])
    second = batch.add(frames[0], boxes[0] + (2, 2, 0, 0))
    assert (first, second) == (0, 1) and len(batch) == 2
    single = SiamBANTracker(model, PROBE_CONFIG.track, device="cpu")
    single.init(frames[0], boxes[0])
    for i in (1, 2):
        results = batch.track(frames[i])
        assert sorted(results) == [0, 1]
        np.testing.assert_allclose(results[0].box, single.track(frames[i]).box, atol=1e-3)
    batch.remove(1)
    assert batch.targets == [0] and 1 not in batch
    results = batch.track(frames[3])
    assert list(results) == [0]
    np.testing.assert_allclose(results[0].box, single.track(frames[3]).box, atol=1e-3)
    assert batch.add(frames[3], boxes[3]) == 2  # ids are not reused
    with pytest.raises(InputError, match="no target 7 to remove"):
        batch.remove(7)
    with pytest.raises(InputError, match="unknown target 'x'"):
        batch.track({"x": frames[4]})
