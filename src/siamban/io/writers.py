"""Outputs of a tracking run: a box file written line by line, and an annotated video, both written atomically
(a temporary file renamed over the target when complete, so an existing file is never truncated or half-written)."""

from __future__ import annotations

import contextlib
import math
import os
from fractions import Fraction
from pathlib import Path
from typing import Sequence

import av
import cv2
import numpy as np

from siamban.errors import OutputError
from siamban.io.annotations import format_box
from siamban.io.atomic import temporary_path, write_error

#: Video codec (FFmpeg encoder) per suffix: H.264 where browsers and players expect it, Motion JPEG in AVI.
_CODECS = {".mp4": "libx264", ".m4v": "libx264", ".avi": "mjpeg", ".mkv": "libx264", ".mov": "libx264"}
#: Suffixes the annotated video may have (the container follows the suffix).
VIDEO_SUFFIXES = tuple(_CODECS)


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


def draw_frame_index(frame: np.ndarray, index: int) -> np.ndarray:
    """Draw ``index`` (white on a black box) in the top-left corner of a BGR frame (in place); returns the frame."""
    scale = max(0.4, min(frame.shape[:2]) / 480)
    thickness = max(1, int(round(scale * 1.5)))
    text = f"#{index}"
    (w, h), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    pad = max(2, int(round(4 * scale)))
    cv2.rectangle(frame, (0, 0), (w + 2 * pad, h + baseline + 2 * pad), (0, 0, 0), cv2.FILLED)
    cv2.putText(frame, text, (pad, pad + h), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return frame


class AnnotatedVideoWriter:
    """Writes frames to a video file with PyAV (FFmpeg): H.264 (yuv420p, the profile browsers play) in .mp4, .m4v,
    .mov and .mkv, Motion JPEG in .avi.

    Frames go to a temporary file beside ``path``; ``close`` checks that the file decodes with as many frames as were
    written and only then renames it over ``path``. H.264 needs an even width and height: an odd one is padded by a
    copied edge row or column. A failure to write is one OutputError naming ``path``."""

    def __init__(self, path: str | Path, fps: float, size_wh: tuple[int, int]) -> None:
        self.path = Path(path)
        codec = _CODECS.get(self.path.suffix.lower())
        if codec is None:
            raise OutputError(f"{self.path}: unsupported video suffix (use one of {', '.join(_CODECS)})")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_error(self.path, exc) from None
        self.size = (int(size_wh[0]), int(size_wh[1]))
        self.frames = 0
        self.codec = codec
        self._tmp = temporary_path(self.path, keep_suffix=True)
        self._closed = True  # nothing to release until the container below exists (discard() may run before it)
        width, height = self.size
        if width < 2 or height < 2:
            raise OutputError(f"{self.path}: cannot write a {width}x{height} video (frames must be at least 2x2)")
        self._encoded_wh = (width + width % 2, height + height % 2) if codec == "libx264" else (width, height)
        rate = Fraction(fps).limit_denominator(1001) if math.isfinite(fps) and fps > 0 else Fraction(30)
        try:
            options = {"movflags": "+faststart"} if self.path.suffix.lower() in (".mp4", ".m4v", ".mov") else {}
            self._container = av.open(str(self._tmp), "w", options=options)
            self._closed = False
            stream = self._container.add_stream(codec, rate=rate)
            assert isinstance(stream, av.video.stream.VideoStream)  # a video codec, from _CODECS
            stream.width, stream.height = self._encoded_wh
            stream.pix_fmt = "yuv420p" if codec == "libx264" else "yuvj420p"
            if codec == "libx264":
                stream.options = {"crf": "20", "preset": "veryfast"}
            self._stream = stream
        except (av.FFmpegError, OSError, ValueError) as exc:
            self.discard()
            raise write_error(self.path, exc) from None

    def write(self, frame: np.ndarray, index: int | None = None) -> None:
        """Append a BGR frame (resized to the video's size when it differs); with ``index``, draw it in the corner."""
        if (frame.shape[1], frame.shape[0]) != self.size:
            frame = cv2.resize(frame, self.size)
        if index is not None:
            frame = draw_frame_index(frame.copy(), index)
        pad_w, pad_h = self._encoded_wh[0] - self.size[0], self._encoded_wh[1] - self.size[1]
        if pad_w or pad_h:
            frame = cv2.copyMakeBorder(frame, 0, pad_h, 0, pad_w, cv2.BORDER_REPLICATE)
        try:
            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="bgr24")
            picture.pts = self.frames
            for packet in self._stream.encode(picture):
                self._container.mux(packet)
        except (av.FFmpegError, OSError, ValueError) as exc:
            self.discard()
            raise write_error(self.path, exc) from None
        self.frames += 1

    def close(self) -> None:
        """Finish the file, check it decodes, and rename it over ``path`` (OutputError when it does not)."""
        if self._closed:
            return
        try:
            for packet in self._stream.encode(None):  # the frames the encoder still holds
                self._container.mux(packet)
            self._closed = True
            self._container.close()
        except (av.FFmpegError, OSError, ValueError) as exc:
            self.discard()
            raise write_error(self.path, exc) from None
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
        try:
            count = count_video_frames(self._tmp)
        except (av.FFmpegError, OSError, ValueError):
            return "the written video cannot be decoded, is the disk full?"
        if count != self.frames:
            return f"the written video holds {count} of {self.frames} frames, is the disk full?"
        return ""

    def discard(self) -> None:
        """Drop the temporary file; ``path`` keeps its previous content."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(av.FFmpegError, OSError, ValueError):
                self._container.close()
        with contextlib.suppress(OSError):
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "AnnotatedVideoWriter":
        return self

    def __exit__(self, exc_type: type | None, *exc: object) -> None:
        if exc_type is None or issubclass(exc_type, KeyboardInterrupt):
            self.close()
        else:
            self.discard()


def count_video_frames(path: str | Path) -> int:
    """The number of frames the first video stream of ``path`` decodes to (PyAV errors propagate)."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))
