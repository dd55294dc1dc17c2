"""Running one tracker over one sequence under each protocol: one-pass, VOT supervised (reset), VOT real-time.

The runners accept any object with ``init(image, box_xywh)`` and ``track(image) -> TrackResult`` (siamban's
trackers, OpenCV's through a thin adapter, scripted test trackers). Each frame's time covers the tracker call only,
not the image read. ``on_frame`` is called once per frame (progress bars). Every frame read is checked to have the
size of the sequence's first frame read (``SameSizeFrames``, the check ``siamban track`` makes): a mixed-size
sequence is a DatasetError naming the frame, never tracked in two coordinate frames.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from siamban.evaluation.datasets.base import Sequence
from siamban.evaluation.metrics.region import axis_aligned_box, region_overlaps
from siamban.errors import DatasetError
from siamban.io.frames import SameSizeFrames
from siamban.tracker.sequence import SingleTargetTracker

FrameCallback = Callable[[int], None]


@dataclass
class OPERun:
    boxes: np.ndarray  # (N, 4)
    times: np.ndarray  # (N,) seconds


@dataclass
class VOTRun:
    trajectory: list[list[float]]
    times: np.ndarray
    failures: int


def _noop(_n: int) -> None:
    pass


def vot_polygon(region: np.ndarray) -> np.ndarray:
    """A VOT ground-truth region as pysot-toolkit's runner sees it: boxes become the polygon through x + w - 1."""
    r = np.asarray(region, dtype=np.float64)
    if r.size == 4:
        x, y, w, h = r
        return np.array([x, y, x, y + h - 1, x + w - 1, y + h - 1, x + w - 1, y])
    return r


def run_ope(tracker: SingleTargetTracker, seq: Sequence, on_frame: FrameCallback = _noop) -> OPERun:
    """One pass: initialise on the first frame with pysot's init box, track every later frame."""
    n = len(seq)
    boxes = np.zeros((n, 4))
    times = np.zeros(n)
    frames = SameSizeFrames(DatasetError)
    for i, path in enumerate(seq.frames[seq.init_frame :], start=seq.init_frame):
        image = frames.read(path)
        tic = time.perf_counter()
        if i == seq.init_frame:
            init = axis_aligned_box(seq.ground_truth[i])
            tracker.init(image, init)
            boxes[i] = init
        else:
            boxes[i] = tracker.track(image).box
        times[i] = time.perf_counter() - tic
        on_frame(1)
    return OPERun(boxes, times)


def _failed(box, gt: np.ndarray, size_wh: tuple[int, int]) -> bool:
    overlap = region_overlaps(np.asarray([box], dtype=np.float64), vot_polygon(gt)[None], size_wh)[0]
    return not overlap > 0  # NaN (both empty) is a failure too, as in pysot-toolkit


def run_supervised(
    tracker: SingleTargetTracker, seq: Sequence, skip: int = 5, on_frame: FrameCallback = _noop
) -> VOTRun:
    """VOT baseline: a frame whose box does not overlap the ground truth is a failure (``2``); the tracker is
    re-initialised ``skip`` frames later (``1``), frames in between are ``0`` and are not read."""
    n = len(seq)
    trajectory: list[list[float]] = []
    times = np.zeros(n)
    restart = 0
    failures = 0
    size = None
    frames = SameSizeFrames(DatasetError)
    for i in range(n):
        if i < restart:
            trajectory.append([0])
            on_frame(1)
            continue
        image = frames.read(seq.frames[i])
        size = (image.shape[1], image.shape[0])
        tic = time.perf_counter()
        if i == restart:
            tracker.init(image, axis_aligned_box(vot_polygon(seq.ground_truth[i])))
            trajectory.append([1])
        else:
            box = list(tracker.track(image).box)
            if _failed(box, seq.ground_truth[i], size):
                trajectory.append([2])
                failures += 1
                restart = i + skip
            else:
                trajectory.append(box)
        times[i] = time.perf_counter() - tic
        on_frame(1)
    return VOTRun(trajectory, times, failures)


class RealtimeRuntime:
    """The VOT toolkit's real-time constraint around a tracker: frames arrive every ``1 / fps`` s; while the tracker
    is still busy with an earlier frame, the last answer is reported for the new one; the first ``grace`` slow calls
    after an initialisation are forgiven. ``clock`` is injectable so tests can script the tracker's duration."""

    def __init__(self, tracker: SingleTargetTracker, fps: float = 20.0, grace: int = 3,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.tracker = tracker
        self.interval = 1.0 / fps
        self.grace = grace
        self.clock = clock
        self.debt = 0.0
        self.countdown = 0
        self.stale: list[float] | None = None

    def _account(self, elapsed: float, answer: list[float]) -> None:
        if elapsed > self.interval:
            if self.countdown > 0:
                self.countdown -= 1
                self.debt = 0.0
            else:
                self.debt = elapsed - self.interval
                self.stale = answer
        else:
            self.debt = 0.0

    def initialize(self, load: Callable[[], np.ndarray], box: tuple[float, float, float, float]) -> float:
        self.countdown = self.grace
        self.stale = None
        image = load()
        tic = self.clock()
        self.tracker.init(image, box)
        elapsed = self.clock() - tic
        self._account(elapsed, list(box))
        return elapsed

    def update(self, load: Callable[[], np.ndarray]) -> tuple[list[float], float]:
        if self.debt > self.interval:
            self.debt -= self.interval
            assert self.stale is not None  # a debt is only ever run up together with the stale answer
            return list(self.stale), 0.0
        self.stale = None
        self.debt = 0.0
        image = load()
        tic = self.clock()
        box = list(self.tracker.track(image).box)
        elapsed = self.clock() - tic
        self._account(elapsed, box)
        return box, elapsed


def run_realtime(
    tracker: SingleTargetTracker,
    seq: Sequence,
    fps: float = 20.0,
    grace: int = 3,
    skip: int = 5,
    clock: Callable[[], float] = time.perf_counter,
    on_frame: FrameCallback = _noop,
) -> VOTRun:
    """The VOT2019 real-time experiment: the supervised protocol through ``RealtimeRuntime``."""
    runtime = RealtimeRuntime(tracker, fps, grace, clock)
    n = len(seq)
    trajectory: list[list[float]] = [[0]] * n
    times = np.zeros(n)
    failures = 0
    sizes: dict[int, tuple[int, int]] = {}
    frames = SameSizeFrames(DatasetError)

    def loader(i: int) -> Callable[[], np.ndarray]:
        def load() -> np.ndarray:
            image = frames.read(seq.frames[i])
            sizes[i] = (image.shape[1], image.shape[0])
            return image

        return load

    frame = 0
    while frame < n:
        times[frame] = runtime.initialize(loader(frame), axis_aligned_box(vot_polygon(seq.ground_truth[frame])))
        size = sizes[frame]
        trajectory[frame] = [1]
        on_frame(1)
        frame += 1
        while frame < n:
            box, times[frame] = runtime.update(loader(frame))
            size = sizes.get(frame, size)
            if _failed(box, seq.ground_truth[frame], size):
                trajectory[frame] = [2]
                failures += 1
                on_frame(min(skip, n - frame))
                frame += skip
                break
            trajectory[frame] = box
            on_frame(1)
            frame += 1
    return VOTRun(trajectory, times, failures)
