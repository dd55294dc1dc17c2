"""The VOT reset protocol and its metrics against a scripted tracker whose failures are known in advance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siamban.evaluation.datasets.base import Sequence
from siamban.evaluation.metrics.vot import VOTSequenceRecord, accuracy_robustness, evaluate_vot, expected_overlaps
from siamban.evaluation.runners.protocols import run_realtime, run_supervised
from siamban.tracker.tracker import TrackResult

from bench_fakes import ScriptedTracker, write_frames

GT_POLY = [10, 10, 30, 10, 30, 30, 10, 30]
GOOD = (10, 10, 20, 20)  # the same polygon: overlap 1
HALF = (10, 10, 20, 10)  # rows 10..20 of 10..30: 231 of 441 pixels
LOST = (40, 0, 5, 5)  # no overlap


def make_sequence(tmp_path: Path, n: int, gt=None) -> Sequence:
    frames = write_frames(tmp_path / "seq", n)
    gt = np.array(gt if gt is not None else [GT_POLY] * n, dtype=float)
    return Sequence("seq", frames, gt, tags={"occlusion": np.arange(n) >= 15})


def test_supervised_codes_failures_accuracy_robustness_eao(tmp_path):
    seq = make_sequence(tmp_path, 30)
    script = [GOOD] * 30
    script[3], script[19], script[20] = LOST, HALF, LOST
    tracker = ScriptedTracker(script, frame_of_init=[0, 8, 25])
    run = run_supervised(tracker, seq)
    codes = [r[0] if len(r) == 1 else "b" for r in run.trajectory]
    assert codes == [1, "b", "b", 2, 0, 0, 0, 0, 1] + ["b"] * 11 + [2, 0, 0, 0, 0, 1, "b", "b", "b", "b"]
    assert run.failures == 2
    assert tracker.inits == [(10.0, 10.0, 21.0, 21.0)] * 3  # pysot's axis-aligned box of the polygon
    assert tracker.calls == [1, 2, 3, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 26, 27, 28, 29]

    record = VOTSequenceRecord("seq", [run.trajectory], seq.ground_truth, (64, 48), seq.tags)
    ar = accuracy_robustness([record])
    # burn-in hides 10 frames from every initialisation (0-9, 8-17, 25-29): only frames 18 (1) and 19 (231/441) count
    half = float(np.float32(231) / np.float32(441))
    assert ar.accuracy == pytest.approx((1 + half) / 2)
    assert ar.robustness == pytest.approx(2 / 30 * 100)
    assert ar.lost_number == 2

    # EAO fragments start at 0, 8, 25: [0,1,1,0...0], [0, 1 x10, half, 0...0], [0,1,1,1,1] (NaN beyond its end)
    def s1(length):
        return min(length, 10) + (half if length >= 11 else 0)

    expected = {4: (2 / 4 + 4 / 4 + 1) / 3}
    expected.update({length: (2 / length + s1(length) / length) / 2 for length in range(5, 12)})
    curve = expected_overlaps([record])
    for length, value in expected.items():
        assert curve[length] == pytest.approx(value, rel=1e-6)
    result = evaluate_vot([record], (5, 12), tags=("occlusion",))
    assert result.eao == pytest.approx(np.mean([expected[k] for k in range(4, 12)]), rel=1e-6)
    # occlusion (frames 15..29): weights 0, 11/18 and 1 for the three fragments
    occluded = expected_overlaps([record], "occlusion")
    f1_mean4 = 4 / 4
    assert occluded[4] == pytest.approx((11 / 18 * f1_mean4 + 1 * 1) / (11 / 18 + 1), rel=1e-6)


class ClockedTracker:
    """Each call advances a fake clock by a fixed duration; reports x = 10 + (number of track calls)."""

    def __init__(self, init_time: float, track_time: float) -> None:
        self.now = 0.0
        self.init_time, self.track_time = init_time, track_time
        self.calls = 0

    def clock(self) -> float:
        return self.now

    def init(self, image, box) -> None:
        self.now += self.init_time

    def track(self, image) -> TrackResult:
        self.now += self.track_time
        self.calls += 1
        return TrackResult(box=(10.0 + self.calls, 10.0, 20.0, 20.0), score=1.0)


def test_realtime_experiment_reports_stale_boxes_after_the_grace_period(tmp_path):
    gt = [GT_POLY] * 9 + [[40, 30, 50, 30, 50, 40, 40, 40]] * 3  # the target jumps at frame 9
    seq = make_sequence(tmp_path, 12, gt)
    tracker = ClockedTracker(init_time=0.01, track_time=0.12)  # 8 fps against a 20 fps feed
    run = run_realtime(tracker, seq, fps=20, grace=3, clock=tracker.clock)
    xs = [r[0] - 10 if len(r) == 4 else ("code", r[0]) for r in run.trajectory]
    # three slow calls are forgiven; from the fourth each call costs 0.07 s of debt, so every other frame repeats the
    # previous answer; frame 9 gets call 6's stale box, which misses the moved target: a failure, then 0s to the end
    assert xs == [("code", 1), 1, 2, 3, 4, 4, 5, 5, 6, ("code", 2), ("code", 0), ("code", 0)]
    assert tracker.calls == 6 and run.failures == 1
    np.testing.assert_allclose(run.times[:9], [0.01, 0.12, 0.12, 0.12, 0.12, 0, 0.12, 0, 0.12])


def test_realtime_equals_baseline_for_a_fast_tracker(tmp_path):
    seq = make_sequence(tmp_path, 12)
    script = [GOOD] * 12
    script[4] = LOST
    fast = ScriptedTracker(script, frame_of_init=[0, 9])
    base = run_supervised(ScriptedTracker(script, frame_of_init=[0, 9]), seq)
    real = run_realtime(fast, seq, fps=20, grace=0, clock=lambda: 0.0)
    assert [list(map(float, r)) for r in real.trajectory] == [list(map(float, r)) for r in base.trajectory]
