"""What every raw dataset format gives the preparation step: units of work and the targets in each frame.

A format lists *units* in the main process (a video, or a still image for COCO and DET) and reads each unit's
annotations in a worker process. ``prepare`` then crops every target and writes the index; the format never
touches the output layout.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ClassVar, Iterator

import cv2
import numpy as np

from siamban.io.annotations import Problem, list_images, read_groundtruth
from siamban.errors import DatasetError
from siamban.io.frames import natural_key


@dataclass(frozen=True, slots=True)
class Target:
    """One annotated object in one frame: its track number and box (x1, y1, x2, y2); ``where`` locates its line."""

    track: int
    box: tuple[float, float, float, float]
    where: str


@dataclass(slots=True)
class FrameTargets:
    """The targets of one image. ``normalized``: boxes are fractions of the image size (YouTube-BB)."""

    image: str
    frame: int
    targets: list[Target]
    normalized: bool = False


@dataclass(slots=True)
class Unit:
    """One unit of work: the targets of ``video`` (the crop511 sub-folder), indexed under ``split``.

    ``sources`` are the files the format reads in the worker; ``frames`` the targets when the main process
    already parsed them; ``rows`` format-specific integers (YouTube-BB: byte offset and line of each CSV row).
    """

    split: str
    video: str
    sources: tuple[str, ...] = ()
    frames: list[FrameTargets] | None = None
    rows: array | None = None


@dataclass
class ReadResult:
    """A unit's parsed frames, the problems met, and targets dropped on purpose (reason -> count)."""

    frames: list[FrameTargets]
    problems: list[Problem] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)


class RawFormat(ABC):
    """A raw dataset release (``VID``, ``DET``, ``COCO``, ``YOUTUBEBB``, ``GOT10K``, ``LASOT``)."""

    name: ClassVar[str]
    #: The expected folder layout, shown in errors and the ``prepare`` help.
    layout: ClassVar[str]
    #: What one unit is, for the progress bar and summary ("video" or "image").
    unit_word: ClassVar[str] = "video"
    #: Drop boxes that leave the frame (the official GOT-10k and LaSOT ``gen_json.py`` do).
    inside_frame_only: ClassVar[bool] = False

    @abstractmethod
    def units(self, raw_dir: Path, problems: list[Problem]) -> list[Unit]:
        """List the units under ``raw_dir``; problems met while listing are appended to ``problems``."""

    def read(self, unit: Unit) -> ReadResult:
        """The targets of one unit (runs in a worker process)."""
        return ReadResult(unit.frames or [])

    def frame_images(
        self, unit: Unit, frames: list[FrameTargets], need: Callable[[FrameTargets], bool]
    ) -> Iterator[tuple[FrameTargets, np.ndarray | None]]:
        """Each frame with its BGR image, read only when ``need(frame)``; None when unreadable or not needed."""
        for frame in frames:
            yield frame, cv2.imread(frame.image, cv2.IMREAD_COLOR) if need(frame) else None

    def index_name(self, split: str) -> str:
        """File name of the index JSON of a split."""
        return f"{split}.json"

    def missing_layout(self, raw_dir: Path, what: str) -> DatasetError:
        return DatasetError(f"{raw_dir}: {what}; expected the {self.name} layout: {self.layout}")


def read_box_lines(gt_path: Path, source: str) -> tuple[list[FrameTargets], list[Problem]]:
    """Track-0 targets of every usable ``x,y,w,h`` line of ``gt_path`` (frame = line number - 1).

    Absent-target lines (NaN or zero size) are skipped silently; malformed ones come back as problems.
    ``source`` names the frames' origin (for a video, the frame image is ``source#index``).
    """
    boxes, problems = read_groundtruth(gt_path)
    frames = []
    for index, (x, y, w, h) in enumerate(boxes):
        if np.all(np.isfinite(boxes[index])) and w > 0 and h > 0:
            target = Target(0, (x, y, x + w, y + h), f"{gt_path}:{index + 1}")
            frames.append(FrameTargets(f"{source}#{index}", index, [target]))
    return frames, list(problems)


def read_groundtruth_sequence(sequence_dir: Path, image_dir: Path) -> ReadResult:
    """A GOT-10k / LaSOT sequence: ``groundtruth.txt`` line i (x, y, w, h) is the box of the i-th image (track 0)."""
    gt_path = sequence_dir / "groundtruth.txt"
    try:
        boxes, problems = read_groundtruth(gt_path)
    except OSError as exc:
        return ReadResult([], [Problem(str(gt_path), f"cannot read ({exc.strerror})")])
    images = list_images(image_dir, required=False)
    result = ReadResult([], list(problems))
    if len(images) != len(boxes):
        result.problems.append(
            Problem(str(gt_path), f"{len(boxes)} box lines for {len(images)} images in {image_dir}; extra ignored")
        )
    for index in range(min(len(images), len(boxes))):
        x, y, w, h = boxes[index]
        if not np.all(np.isfinite(boxes[index])):
            continue  # malformed (reported above) or absent
        target = Target(0, (x, y, x + w, y + h), f"{gt_path}:{index + 1}")
        result.frames.append(FrameTargets(str(images[index]), index, [target]))
    return result


def find_sequence_dirs(root: Path) -> list[Path]:
    """Folders under ``root`` (at any depth) that hold a ``groundtruth.txt``, in natural order."""
    return sorted((p.parent for p in root.rglob("groundtruth.txt")), key=natural_key)
