"""Outputs of a tracking run: a box file written line by line, and an annotated video, both written atomically
(a temporary file renamed over the target when complete, so an existing file is never truncated or half-written)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from siamban.errors import OutputError
from siamban.io.annotations import format_box
from siamban.io.atomic import temporary_path, write_error

_FOURCC = {".mp4": "mp4v", ".m4v": "mp4v", ".avi": "MJPG", ".mkv": "MJPG", ".mov": "mp4v"}
#: Suffixes the annotated video may have (the container follows the suffix).
VIDEO_SUFFIXES = tuple(_FOURCC)


class BoxWriter:
    """Writes one ``x,y,w,h,score`` line per frame to a temporary file beside ``path`` (flushed line by line) and
    renames it over ``path`` on ``close``. Leaving the ``with`` block early (Ctrl-C, a bad input frame) keeps the
    whole lines of the frames tracked so far; when writing itself fails (a full disk) nothing replaces ``path``, and
    the failure is one OutputError."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._tmp = temporary_path(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self._tmp, "w")
        except OSError as exc:
            raise write_error(self.path, exc) from None

    def write(self, box: Sequence[float], score: float) -> None:
        try:
            self._file.write(f"{format_box(box, 3)},{score:.5f}\n")
            self._file.flush()
        except OSError as exc:
            self.discard()
            raise write_error(self.path, exc) from None

    def close(self) -> None:
        """Flush to disk and rename the temporary file over ``path``."""
        if self._file.closed:
            return
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._tmp, self.path)
        except OSError as exc:
            self.discard()
            raise write_error(self.path, exc) from None

    def discard(self) -> None:
        """Drop what was written; ``path`` keeps its previous content."""
        with contextlib.suppress(OSError):
            self._file.close()
        with contextlib.suppress(OSError):
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "BoxWriter":
        return self

    def __exit__(self, exc_type: type | None, *exc: object) -> None:
        if exc_type is not None and issubclass(exc_type, (OutputError, OSError)):
            self.discard()
        else:
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
    """Writes frames to a video file; the container is chosen by the suffix (.mp4, .avi, .mkv, .mov).

    Frames go to a temporary file beside ``path``; ``close`` checks that the file decodes with as many frames as were
    written (OpenCV's writer fails silently, e.g. on a full disk) and only then renames it over ``path``."""

    def __init__(self, path: str | Path, fps: float, size_wh: tuple[int, int]) -> None:
        self.path = Path(path)
        fourcc = _FOURCC.get(self.path.suffix.lower())
        if fourcc is None:
            raise OutputError(f"{self.path}: unsupported video suffix (use one of {', '.join(_FOURCC)})")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_error(self.path, exc) from None
        self.size = size_wh
        self.frames = 0
        self._tmp = temporary_path(self.path, keep_suffix=True)
        self._writer = cv2.VideoWriter(str(self._tmp), cv2.VideoWriter.fourcc(*fourcc), float(fps), size_wh)
        if not self._writer.isOpened():
            self.discard()
            raise OutputError(f"{self.path}: cannot open for writing a {fourcc} video")
        self._closed = False

    def write(self, frame: np.ndarray) -> None:
        if (frame.shape[1], frame.shape[0]) != self.size:
            frame = cv2.resize(frame, self.size)
        self._writer.write(frame)
        self.frames += 1

    def close(self) -> None:
        """Finish the file, check it decodes, and rename it over ``path`` (OutputError when it does not)."""
        if self._closed:
            return
        self._closed = True
        self._writer.release()
        problem = self._verify()
        if problem:
            self.discard()
            raise OutputError(f"{self.path}: cannot write ({problem}); nothing was written")
        try:
            with open(self._tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(self._tmp, self.path)
        except OSError as exc:
            self.discard()
            raise write_error(self.path, exc) from None

    def _verify(self) -> str:
        if not self._tmp.is_file() or self._tmp.stat().st_size == 0:
            return "the video writer produced no data"
        capture = cv2.VideoCapture(str(self._tmp))
        try:
            if not capture.isOpened():
                return "the written video cannot be decoded, is the disk full?"
            count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        finally:
            capture.release()
        if count and count != self.frames:
            return f"the written video holds {count} of {self.frames} frames, is the disk full?"
        return ""

    def discard(self) -> None:
        """Drop the temporary file; ``path`` keeps its previous content."""
        if not self._closed:
            self._closed = True
            self._writer.release()
        with contextlib.suppress(OSError):
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "AnnotatedVideoWriter":
        return self

    def __exit__(self, exc_type: type | None, *exc: object) -> None:
        if exc_type is None or issubclass(exc_type, KeyboardInterrupt):
            self.close()
        else:
            self.discard()
