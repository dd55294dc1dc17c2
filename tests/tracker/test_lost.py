"""Confidence, target-lost detection and re-initialisation."""

import dataclasses
import functools

import numpy as np
import pytest

from probe_model import PROBE_CONFIG, block_texture, moving_square_video, probe_model, textured_background
from siamban.errors import InputError
from siamban.geometry import iou_xywh
from siamban.tracker import SiamBANTracker

SIDE = 48


def leave_and_return_video():
    """The square moves right out of the frame (frames 0-14), is gone for 8 frames, then reappears at x=150."""
    rng = np.random.default_rng(0)
    background, texture = textured_background((240, 320), rng), block_texture(SIDE, rng)
    xs = list(range(150, 330, 12)) + [None] * 8 + list(range(150, 60, -6))
    frames, boxes = [], []
    for x in xs:
        frame = background.copy()
        box = None
        if x is not None:
            x0, x1 = max(x, 0), min(x + SIDE, 320)
            if x1 > x0:
                frame[100 : 100 + SIDE, x0:x1] = texture[:, x0 - x : x1 - x]
                box = (x0, 100, x1 - x0, SIDE)
        frames.append(frame)
        boxes.append(box)
    return frames, boxes


@functools.cache  # several tests read the same run; its results are frozen records
def run(lost_instance_size: int):
    frames, boxes = leave_and_return_video()
    cfg = dataclasses.replace(PROBE_CONFIG.track, lost_score=0.5, lost_frames=3, lost_instance_size=lost_instance_size)
    tracker = SiamBANTracker(probe_model(), cfg, device="cpu")
    tracker.init(frames[0], boxes[0])
    return boxes, [tracker.track(frame) for frame in frames[1:]]


def test_holds_the_last_confident_box_while_lost_and_searches_wider_to_recover():
    boxes, results = run(lost_instance_size=511)
    gone = range(14, 23)  # frames where at most 2 px of the square remain (or none)
    assert all(results[i - 1].lost for i in gone)
    held = {results[i - 1].box for i in gone}
    assert len(held) == 1  # no drift: one box held all the while
    assert held.pop()[0] == pytest.approx(283, abs=2)  # the last confident box, near the right edge
    assert all(results[i - 1].score < 0.05 for i in range(15, 23))
    # reappearing at x=150, 130 px from the held box: found by the wider search within two frames
    assert not results[23 - 1].lost or not results[24 - 1].lost
    tail = range(25, len(boxes))
    assert all(not results[i - 1].lost for i in tail)
    assert np.mean([iou_xywh(np.array(results[i - 1].box), np.array(boxes[i])) for i in tail]) > 0.8
    # while tracking well, the confidence is high and lost is False
    assert all(r.score > 0.9 and not r.lost for r in results[:10])


def test_without_the_wider_search_the_target_stays_lost():
    _, results = run(lost_instance_size=0)
    assert all(r.lost for r in results[14:])


def test_lost_detection_is_off_by_default():
    frames, boxes = leave_and_return_video()
    tracker = SiamBANTracker(probe_model(), PROBE_CONFIG.track, device="cpu")
    tracker.init(frames[0], boxes[0])
    assert not any(tracker.track(frame).lost for frame in frames[1:])


def test_init_again_restarts_on_a_new_box():
    frames, boxes = moving_square_video(20)
    tracker = SiamBANTracker(probe_model(), PROBE_CONFIG.track, device="cpu")
    tracker.init(frames[0], (10, 10, 30, 30))  # a wrong first box: background
    tracker.track(frames[1])
    tracker.init(frames[5], boxes[5])  # a detector's box in a middle frame
    ious = [iou_xywh(np.array(tracker.track(f).box), b) for f, b in zip(frames[6:], boxes[6:])]
    assert np.mean(ious) > 0.75


def test_restoring_a_snapshot_replays_the_same_boxes_and_lost_state():
    frames, _ = leave_and_return_video()
    cfg = dataclasses.replace(PROBE_CONFIG.track, lost_score=0.5, lost_frames=3, lost_instance_size=511)
    tracker = SiamBANTracker(probe_model(), cfg, device="cpu")
    with pytest.raises(InputError, match="before init"):
        tracker.snapshot()
    first = leave_and_return_video()[1][0]
    tracker.init(frames[0], first)
    for frame in frames[1:14]:
        tracker.track(frame)
    snapshot = tracker.snapshot()  # taken while the target is gone: two low frames counted, not yet lost
    assert (snapshot.lost, snapshot.low_frames) == (False, 2)
    once = [tracker.track(frame) for frame in frames[14:30]]
    tracker.restore(snapshot)
    again = [tracker.track(frame) for frame in frames[14:30]]
    assert again == once and any(r.lost for r in once) and not once[-1].lost
    # a second tracker (own kernels) continues from the first one's state
    other = SiamBANTracker(probe_model(), cfg, device="cpu")
    with pytest.raises(InputError, match="before init"):
        other.restore(snapshot)
    other.init(frames[0], first)
    other.restore(snapshot)
    assert [other.track(frame) for frame in frames[14:30]] == once


def test_batch_tracker_follows_lost_and_tracking_targets_like_single_trackers():
    from siamban import BatchTracker

    leaving, leaving_boxes = leave_and_return_video()
    staying, staying_boxes = moving_square_video(len(leaving))
    # lost_instance_size 0: lost and tracking targets share one network call, post-processed in two groups
    cfg = dataclasses.replace(PROBE_CONFIG.track, lost_score=0.5, lost_frames=3, lost_instance_size=0)
    model = probe_model()
    batch = BatchTracker(model, cfg, device="cpu")
    singles = {name: SiamBANTracker(model, cfg, device="cpu") for name in ("leaving", "staying")}
    videos = {"leaving": (leaving, leaving_boxes[0]), "staying": (staying, staying_boxes[0])}
    for name, (frames, box) in videos.items():
        batch.add(frames[0], box, target_id=name)
        singles[name].init(frames[0], box)
    mixed = 0
    for i in range(1, len(leaving)):
        results = batch.track({name: frames[i] for name, (frames, _) in videos.items()})
        for name, (frames, _) in videos.items():
            single = singles[name].track(frames[i])
            assert results[name].lost == single.lost
            np.testing.assert_allclose(results[name].box, single.box, atol=1e-3)
        mixed += results["leaving"].lost and not results["staying"].lost
    assert mixed >= 5  # frames where one target was lost while the other was tracked


def test_opencv_style_update_reports_ok_false_while_lost_and_the_same_boxes_as_track():
    frames, boxes = leave_and_return_video()
    cfg = dataclasses.replace(PROBE_CONFIG.track, lost_score=0.5, lost_frames=3, lost_instance_size=511)
    tracker = SiamBANTracker(probe_model(), cfg, device="cpu")
    tracker.init(frames[0], boxes[0])
    updates = [tracker.update(frame) for frame in frames[1:]]
    _, results = run(lost_instance_size=511)
    assert [ok for ok, _ in updates] == [not r.lost for r in results]
    assert [box for _, box in updates] == [r.box for r in results]
    assert not all(ok for ok, _ in updates) and updates[0][0]
    assert all(len(box) == 4 and all(type(v) is float for v in box) for _, box in updates)
