"""The slot where a batched tracker (one object following N targets on one GPU) plugs into the one-pass runner.

A ``SlotTracker`` holds ``capacity`` slots; each slot follows one sequence's target. ``run_ope_batched`` keeps every
slot busy: when a sequence ends its slot is released and the next sequence is initialised in it, while the other
slots keep tracking, so one ``track`` call advances up to ``capacity`` sequences by one frame. ``TrackerPool`` is the
reference implementation made of independent single-target trackers (no speed-up; it defines the behaviour a real
batched tracker must reproduce frame for frame). ``BatchedSiamBAN`` is the real one: the slots are the targets of one
``siamban.tracker.BatchTracker``, whose search crops go through the network as one batch each frame, so on a GPU N
sequences cost about one sequence's network calls.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Protocol, Sequence as Seq

import numpy as np
from siamban.evaluation.datasets.base import Sequence
from siamban.evaluation.metrics.region import axis_aligned_box
from siamban.evaluation.runners.protocols import OPERun
from siamban.errors import DatasetError
from siamban.io.frames import SameSizeFrames
from siamban.tracker.sequence import SingleTargetTracker
from siamban.tracker.batch import BatchTracker
from siamban.tracker.tracker import SiamBANTracker, TrackResult


class SlotTracker(Protocol):
    """Follows up to ``capacity`` independent targets, one per slot."""

    capacity: int

    def init(self, slot: int, image: np.ndarray, box_xywh: Seq[float]) -> None: ...

    def track(self, images: Mapping[int, np.ndarray]) -> dict[int, TrackResult]: ...

    def release(self, slot: int) -> None: ...


class TrackerPool:
    """A SlotTracker made of ``capacity`` single-target trackers from ``factory``."""

    def __init__(self, factory: Callable[[], SingleTargetTracker], capacity: int) -> None:
        self.capacity = capacity
        self._trackers = [factory() for _ in range(capacity)]

    def init(self, slot: int, image: np.ndarray, box_xywh: Seq[float]) -> None:
        self._trackers[slot].init(image, box_xywh)

    def track(self, images: Mapping[int, np.ndarray]) -> dict[int, TrackResult]:
        return {slot: self._trackers[slot].track(image) for slot, image in images.items()}

    def release(self, slot: int) -> None:
        pass


class BatchedSiamBAN:
    """A SlotTracker over one ``BatchTracker`` (slot = target id), built like the trackers ``factory`` makes (a
    ``SiamBANFactory``: one cached network); one network call per frame for all busy slots of one crop size."""

    def __init__(self, factory: Callable[[], SiamBANTracker], capacity: int) -> None:
        self.capacity = capacity
        self.tracker = BatchTracker.like(factory())

    def init(self, slot: int, image: np.ndarray, box_xywh: Seq[float]) -> None:
        self.tracker.add(image, box_xywh, target_id=slot)

    def track(self, images: Mapping[int, np.ndarray]) -> dict[int, TrackResult]:
        return self.tracker.track(images)

    def release(self, slot: int) -> None:
        if slot in self.tracker:
            self.tracker.remove(slot)


@dataclass(frozen=True)
class BatchedFactory:
    """Builds a ``BatchedSiamBAN`` of ``capacity`` slots from a ``SiamBANFactory``-like ``factory``."""

    factory: Callable[[], SiamBANTracker]
    capacity: int

    def __call__(self) -> BatchedSiamBAN:
        return BatchedSiamBAN(self.factory, self.capacity)


def run_ope_batched(
    tracker: SlotTracker,
    sequences: Iterable[Sequence],
    on_done: Callable[[Sequence, OPERun], None],
    on_frame: Callable[[int], None] = lambda n: None,
) -> None:
    """One-pass runs of many sequences in lock-step; ``on_done(seq, run)`` gets each finished sequence.

    A frame's time is the batched call's time divided by the number of slots it served. Each sequence's frames are
    checked to share one size (``SameSizeFrames``), as in the one-at-a-time runner.
    """
    queue = list(sequences)
    slots: dict[int, tuple[Sequence, int, np.ndarray, np.ndarray]] = {}
    readers: dict[int, SameSizeFrames] = {}

    def start(slot: int) -> None:
        while queue:
            seq = queue.pop(0)
            if len(seq) == 0:
                continue
            readers[slot] = SameSizeFrames(DatasetError)
            image = readers[slot].read(seq.frames[0])
            box = axis_aligned_box(seq.ground_truth[0])
            tic = time.perf_counter()
            tracker.init(slot, image, box)
            boxes, times = np.zeros((len(seq), 4)), np.zeros(len(seq))
            boxes[0], times[0] = box, time.perf_counter() - tic
            on_frame(1)
            slots[slot] = (seq, 1, boxes, times)
            if len(seq) == 1:
                finish(slot)
                continue
            return

    def finish(slot: int) -> None:
        seq, _, boxes, times = slots.pop(slot)
        tracker.release(slot)
        on_done(seq, OPERun(boxes, times))

    for slot in range(tracker.capacity):
        start(slot)
    while slots:
        images = {slot: readers[slot].read(seq.frames[i]) for slot, (seq, i, _, _) in slots.items()}
        tic = time.perf_counter()
        results = tracker.track(images)
        share = (time.perf_counter() - tic) / len(images)
        for slot in list(slots):
            seq, i, boxes, times = slots[slot]
            boxes[i], times[i] = results[slot].box, share
            on_frame(1)
            if i + 1 == len(seq):
                finish(slot)
                start(slot)
            else:
                slots[slot] = (seq, i + 1, boxes, times)
