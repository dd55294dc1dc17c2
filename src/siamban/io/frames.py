"""Frame sources: a video file, a folder or glob of images, or a webcam, all read as BGR uint8 frames."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from siamban.errors import InputError, SiamBANError, SiamBANWarning
from siamban.io.video_frames import VideoFrame, read_video_frame

@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence what native libraries (FFmpeg, OpenCV's readers and camera backends) print straight to file
    descriptor 2 while a video, camera or image is read: a file that is not a video gives one siamban error line, not
    FFmpeg's ``moov atom not found`` above it. Python's own ``sys.stderr`` writes are flushed first."""
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:  # no descriptor 2 to save (a daemon): nothing to silence
        yield
        return
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def natural_key(path: str | Path) -> list:
    """Sort key that orders ``img2.jpg`` before ``img10.jpg``."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", str(path))]


def read_image(path: str | Path | VideoFrame) -> np.ndarray:
    """Read one image (or one ``VideoFrame`` of a video) as HxWx3 BGR uint8, or raise InputError naming the file."""
    if isinstance(path, VideoFrame):
        return read_video_frame(path)
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: image file not found")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not data:
        raise InputError(f"{path}: empty file, not an image")
    if data.startswith(b"\xff\xd8") and b"\xff\xd9" not in data[-64:]:
        # libjpeg decodes what is there and greys out the rest, with only a warning on stderr: a wrong frame
        raise InputError(f"{path}: truncated JPEG (no end-of-image marker): the frame would be partly grey")
    with quiet_native_stderr():  # native decoders' own warnings above our own line
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise InputError(f"{path}: not a readable image")
    return image


@dataclass
class FrameSource:
    """An iterable of frames with what is known about them up front."""

    name: str
    kind: str  # "video", "images" or "webcam"
    fps: float
    count: int | None  # None when unknown (webcam)
    _paths: list[Path] | None = None
    _spec: str | int | None = None

    def __len__(self) -> int:
        return self.count or 0

    def files(self) -> list[Path]:
        """The files the frames are read from (the frame images, or the video file; none for a webcam)."""
        if self._paths is not None:
            return list(self._paths)
        return [Path(self._spec)] if isinstance(self._spec, str) else []

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._paths is not None:
            yield from _same_size_images(self._paths)
            return
        assert self._spec is not None  # the constructors below set either the frame files or a video/webcam
        with quiet_native_stderr():
            capture = cv2.VideoCapture(self._spec)
        if not capture.isOpened():
            hint = f": {webcam_hint(self._spec)}" if isinstance(self._spec, int) else ""
            raise InputError(f"{self.name}: cannot open{hint}")
        decoded = 0
        try:
            while True:
                ok, frame = capture.read()
                if not ok or frame is None:
                    break
                if frame.ndim == 2:
                    frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
                decoded += 1
                yield frame
        finally:
            capture.release()
        if self.kind == "video" and self.count and decoded < self.count:
            warnings.warn(SiamBANWarning(
                f"{self._spec}: truncated or corrupt video: its header says {self.count} frames but only {decoded} "
                "could be decoded"), stacklevel=2)


class SameSizeFrames:
    """Reads the frames of one sequence, refusing a frame whose size differs from the first frame read (boxes of one
    sequence live in one coordinate frame): ``siamban track`` and the benchmark runners share this check, which
    costs nothing beyond the reads themselves. ``error`` is the exception raised (InputError by default)."""

    def __init__(self, error: type[SiamBANError] = InputError) -> None:
        self.error = error
        self.first: tuple[int, int] | None = None
        self.first_name = ""

    def check(self, path: str | Path | VideoFrame, image: np.ndarray) -> np.ndarray:
        """``image`` (read from ``path``) when its size is the sequence's, else ``error`` naming both frames."""
        size = (image.shape[1], image.shape[0])
        if self.first is None:
            self.first, self.first_name = size, str(getattr(path, "name", path))
        elif size != self.first:
            raise self.error(f"{path}: {size[0]}x{size[1]} pixels, but the sequence's first frame ({self.first_name}) "
                             f"is {self.first[0]}x{self.first[1]}: every frame of a sequence must have the same size")
        return image

    def read(self, path: str | Path | VideoFrame) -> np.ndarray:
        """Read one frame (``read_image``) and check its size."""
        return self.check(path, read_image(path))


def _same_size_images(paths: list[Path]) -> Iterator[np.ndarray]:
    """Read ``paths`` in order through ``SameSizeFrames``."""
    frames = SameSizeFrames()
    for path in paths:
        yield frames.read(path)


def _video_source(path: Path) -> FrameSource:
    with quiet_native_stderr():
        capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise InputError(f"{path}: not a readable video (OpenCV cannot open it)")
        with quiet_native_stderr():
            ok, frame = capture.read()
        if not ok or frame is None:
            raise InputError(f"{path}: empty or corrupt video (no frame could be decoded)")
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0) or None
    finally:
        capture.release()
    return FrameSource(name=path.stem, kind="video", fps=fps if fps > 0 else 25.0, count=count, _spec=str(path))


def _image_source(name: str, paths: list[Path], where: str) -> FrameSource:
    if not paths:
        raise InputError(f"{where}: contains no images ({', '.join(IMAGE_SUFFIXES)})")
    return FrameSource(name=name, kind="images", fps=25.0, count=len(paths), _paths=paths)


def webcam_hint(index: int) -> str:
    """What to check when webcam ``index`` does not open."""
    return (f"check the index ({index}; the first camera is 0), the permission to use it (on Linux, /dev/video{index} "
            "and the video group), and that no other program holds it")


def open_frames(spec: str | Path | int) -> FrameSource:
    """Open ``spec``: a webcam index (``0``), an image folder, a glob (``frames/*.jpg``), an image or a video file."""
    text = str(spec)
    if isinstance(spec, int) or text.isdigit():
        index = int(text)
        with quiet_native_stderr():
            capture = cv2.VideoCapture(index)
        opened = capture.isOpened()
        fps = capture.get(cv2.CAP_PROP_FPS) if opened else 0.0
        capture.release()
        if not opened:
            raise InputError(f"webcam {index}: cannot be opened: {webcam_hint(index)}")
        return FrameSource(name=f"webcam{index}", kind="webcam", fps=fps or 30.0, count=None, _spec=index)
    if any(ch in text for ch in "*?["):
        paths = sorted((Path(p) for p in glob.glob(text) if p.lower().endswith(IMAGE_SUFFIXES)), key=natural_key)
        if not paths:
            raise InputError(f"{text}: no image matches this pattern")
        return _image_source(Path(text).parent.name or "frames", paths, text)
    path = Path(text)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        paths = sorted((p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), key=natural_key)
        if not paths and (path / "img").is_dir():  # OTB layout: SEQ/img/0001.jpg
            return open_frames(path / "img")
        return _image_source(path.name if path.name != "img" else path.parent.name, paths, str(path))
    if path.suffix.lower() in IMAGE_SUFFIXES:
        read_image(path)
        return _image_source(path.stem, [path], str(path))
    return _video_source(path)
