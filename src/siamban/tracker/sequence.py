"""Running a tracker over a stream of frames."""

from __future__ import annotations

from typing import Iterable, Iterator, Protocol, Sequence, runtime_checkable

import numpy as np

from siamban.tracker.tracker import TrackResult


@runtime_checkable
class SingleTargetTracker(Protocol):
    """Anything with the OpenCV-style interface: siamban's trackers, and others benchmarked beside them."""

    def init(self, image: np.ndarray, box_xywh: Sequence[float]) -> None: ...

    def track(self, image: np.ndarray) -> TrackResult: ...


def track_frames(
    tracker: SingleTargetTracker,
    frames: Iterable[np.ndarray],
    init_box: Sequence[float],
) -> Iterator[tuple[int, np.ndarray, TrackResult]]:
    """Yield ``(index, frame, result)`` for every frame; the first initialises the tracker on ``init_box`` (to start
    later in a video, pass the frames from there on, as ``siamban track --start-frame`` does).

    The result of the initial frame is the given box with score 1.0 (the benchmark convention).
    """
    started = False
    for index, frame in enumerate(frames):
        if not started:
            tracker.init(frame, init_box)
            started = True
            x, y, w, h = (float(v) for v in init_box)
            yield index, frame, TrackResult(box=(x, y, w, h), score=1.0)
            continue
        yield index, frame, tracker.track(frame)
