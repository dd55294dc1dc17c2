"""Frames of a video file addressed by index, so an annotated video is a sequence like a folder of images.

A benchmark ``Sequence`` lists its frames; for a video each entry is a ``VideoFrame(path, index)``, read with
``siamban.io.read_image`` like an image path. Reading decodes sequentially and keeps the open decoder (one per
process), so reading frames 0, 1, 2, ... in order decodes each frame once; a jump backwards reopens the file and a
jump forwards skips frames (seeking in H.264 is slow and, with some backends, inexact).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from siamban.errors import InputError


@dataclass(frozen=True)
class VideoFrame:
    """Frame ``index`` (0-based, in decoding order) of the video file ``path``."""

    path: Path
    index: int

    def __str__(self) -> str:
        return f"{self.path}#{self.index}"

    @property
    def name(self) -> str:
        return f"{self.path.stem}#{self.index}"


class _Decoder:
    """The one open video of this process and the index of the next frame it yields."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.capture: cv2.VideoCapture | None = None
        self.next_index = 0

    def _open(self, path: Path) -> None:
        self.close()
        capture = cv2.VideoCapture(str(path))
        if not capture.isOpened():
            raise InputError(f"{path}: not a readable video (OpenCV cannot open it)")
        self.path, self.capture, self.next_index = path, capture, 0

    def close(self) -> None:
        if self.capture is not None:
            self.capture.release()
        self.path, self.capture, self.next_index = None, None, 0

    def read(self, frame: VideoFrame) -> np.ndarray:
        if self.capture is None or self.path != frame.path or frame.index < self.next_index:
            self._open(frame.path)
        assert self.capture is not None
        while self.next_index < frame.index:
            if not self.capture.grab():
                break
            self.next_index += 1
        ok, image = self.capture.read() if self.next_index == frame.index else (False, None)
        if not ok or image is None:
            self.close()
            raise InputError(f"{frame.path}: frame {frame.index} cannot be decoded (the video is shorter or corrupt)")
        self.next_index += 1
        return image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)


_DECODER = _Decoder()


def read_video_frame(frame: VideoFrame) -> np.ndarray:
    """The BGR uint8 image of ``frame`` (sequential reads decode each frame once)."""
    return _DECODER.read(frame)


def count_frames(path: str | Path) -> int:
    """Frames a sequential decode of ``path`` yields (a container's header count can be wrong)."""
    capture = cv2.VideoCapture(str(path))
    count = 0
    try:
        while capture.grab():
            count += 1
    finally:
        capture.release()
    return count


def video_frames(path: str | Path, count: int) -> list[VideoFrame]:
    """``VideoFrame`` entries for the first ``count`` frames of ``path``."""
    path = Path(path)
    return [VideoFrame(path, i) for i in range(count)]
