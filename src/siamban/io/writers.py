"""Outputs of a tracking run: a box file written line by line, and an annotated video."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from siamban.errors import InputError

_FOURCC = {".mp4": "mp4v", ".m4v": "mp4v", ".avi": "MJPG", ".mkv": "MJPG", ".mov": "mp4v"}


class BoxWriter:
    """Writes one ``x,y,w,h,score`` line per frame, flushed at once so a crash loses nothing written."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("w")

    def write(self, box: Sequence[float], score: float) -> None:
        x, y, w, h = box
        self._file.write(f"{x:.3f},{y:.3f},{w:.3f},{h:.3f},{score:.5f}\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "BoxWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def draw_box(
    frame: np.ndarray,
    box: Sequence[float],
    color: tuple[int, int, int] = (0, 255, 0),
    label: str | None = None,
    thickness: int = 2,
) -> np.ndarray:
    """Draw an (x, y, w, h) box and an optional label on a BGR frame (in place); returns the frame."""
    x, y, w, h = (int(round(v)) for v in box)
    cv2.rectangle(frame, (x, y), (x + w, y + h), color, thickness)
    if label:
        cv2.putText(frame, label, (x, max(12, y - 5)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, 1, cv2.LINE_AA)
    return frame


class AnnotatedVideoWriter:
    """Writes frames to a video file; the container is chosen by the suffix (.mp4, .avi, .mkv, .mov)."""

    def __init__(self, path: str | Path, fps: float, size_wh: tuple[int, int]) -> None:
        self.path = Path(path)
        fourcc = _FOURCC.get(self.path.suffix.lower())
        if fourcc is None:
            raise InputError(f"{self.path}: unsupported video suffix (use one of {', '.join(_FOURCC)})")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.size = size_wh
        self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*fourcc), float(fps), size_wh)
        if not self._writer.isOpened():
            raise InputError(f"{self.path}: cannot open for writing a {fourcc} video")

    def write(self, frame: np.ndarray) -> None:
        if (frame.shape[1], frame.shape[0]) != self.size:
            frame = cv2.resize(frame, self.size)
        self._writer.write(frame)

    def close(self) -> None:
        self._writer.release()

    def __enter__(self) -> "AnnotatedVideoWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
