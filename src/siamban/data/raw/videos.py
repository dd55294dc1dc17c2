"""Annotated videos: ``RAW/<name>/video.mp4`` + ``RAW/<name>/groundtruth.txt`` (``shared/data/videos``).

``groundtruth.txt`` holds one ``x,y,w,h`` line per decoded frame (``0,0,0,0``: target absent, skipped). Each video
is one unit, decoded once, sequentially (seeking in H.264 is slow and inexact), and cropped into the prepared
layout; every video is indexed under ``train``. When ``RAW/index.json`` gives roles, only ``train`` videos are
read and naming any other one is refused. A video whose decoded frame count differs from its line count is
skipped and reported: its boxes cannot be trusted to belong to its frames.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import cv2
import numpy as np

from siamban.io.annotations import Problem
from siamban.data.raw.base import FrameTargets, RawFormat, ReadResult, Unit, read_box_lines
from siamban.data.roles import require_train, train_names
from siamban.errors import DatasetError
from siamban.io.frames import natural_key
from siamban.io.sequences import VIDEO_NAMES, find_video, read_roles
from siamban.io.video_frames import count_frames

def decode_frames(path: Path) -> Iterator[np.ndarray]:
    """Every frame of ``path`` in decoding order, as HxWx3 BGR uint8."""
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise DatasetError(f"{path}: not a readable video (OpenCV cannot open it)")
    try:
        while True:
            ok, frame = capture.read()
            if not ok or frame is None:
                return
            yield frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    finally:
        capture.release()


def video_names(raw_dir: Path, names: list[str] | None = None) -> list[str]:
    """The video folders to read: ``names`` (each checked to be train-role), or every train-role (or every) one."""
    roles = read_roles(raw_dir)
    if names:
        require_train(raw_dir, names, roles)
        return list(names)
    if roles:
        return sorted(train_names(roles), key=natural_key)
    return sorted((p.parent.name for p in raw_dir.glob("*/groundtruth.txt")), key=natural_key)


class Videos(RawFormat):
    name = "VIDEOS"
    layout = "RAW/<name>/video.mp4 and RAW/<name>/groundtruth.txt (one x,y,w,h line per frame), optional index.json"

    def units(self, raw_dir: Path, problems: list[Problem]) -> list[Unit]:
        units = []
        for name in video_names(raw_dir):
            folder = raw_dir / name
            video = find_video(folder)
            if video is None or not (folder / "groundtruth.txt").is_file():
                problems.append(Problem(str(folder), f"needs {VIDEO_NAMES[0]} and groundtruth.txt; skipped"))
                continue
            units.append(Unit("train", name, (str(video), str(folder / "groundtruth.txt"))))
        if not units:
            raise self.missing_layout(raw_dir, "no video folder")
        return units

    def read(self, unit: Unit) -> ReadResult:
        video, gt_path = Path(unit.sources[0]), Path(unit.sources[1])
        frames, problems = read_box_lines(gt_path, str(video))
        result = ReadResult(frames, problems)
        decoded = count_frames(video)
        if decoded != self.line_count(gt_path):
            message = (
                f"{decoded} frames decoded but {self.line_count(gt_path)} box lines in {gt_path.name}; "
                "video skipped (boxes would not match frames)"
            )
            return ReadResult([], [Problem(str(video), message)])
        result.dropped["absent-target frames"] += decoded - len(frames) - len(problems)
        return result

    @staticmethod
    def line_count(gt_path: Path) -> int:
        lines = gt_path.read_text(errors="replace").splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        return len(lines)

    def frame_images(
        self, unit: Unit, frames: list[FrameTargets], need: Callable[[FrameTargets], bool]
    ) -> Iterator[tuple[FrameTargets, np.ndarray | None]]:
        """Decode the video once, in order, handing each annotated frame its image."""
        wanted = iter(frames)
        current = next(wanted, None)
        for index, image in enumerate(decode_frames(Path(unit.sources[0]))):
            while current is not None and current.frame < index:
                yield current, None
                current = next(wanted, None)
            if current is None:
                return
            if current.frame == index:
                yield current, image
                current = next(wanted, None)
        while current is not None:
            yield current, None
            current = next(wanted, None)
