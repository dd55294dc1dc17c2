"""Frame sources: a video file, a folder or glob of images, or a webcam, all read as BGR uint8 frames."""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from siamban.errors import InputError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def natural_key(path: str | Path) -> list:
    """Sort key that orders ``img2.jpg`` before ``img10.jpg``."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", str(path))]


def read_image(path: str | Path) -> np.ndarray:
    """Read one image as HxWx3 BGR uint8, or raise InputError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: image file not found")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
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

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._paths is not None:
            for path in self._paths:
                yield read_image(path)
            return
        capture = cv2.VideoCapture(self._spec)
        if not capture.isOpened():
            raise InputError(f"{self.name}: cannot open")
        try:
            while True:
                ok, frame = capture.read()
                if not ok or frame is None:
                    break
                if frame.ndim == 2:
                    frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
                yield frame
        finally:
            capture.release()


def _video_source(path: Path) -> FrameSource:
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise InputError(f"{path}: not a readable video (OpenCV cannot open it)")
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


def open_frames(spec: str | Path | int) -> FrameSource:
    """Open ``spec``: a webcam index (``0``), an image folder, a glob (``frames/*.jpg``), an image or a video file."""
    text = str(spec)
    if isinstance(spec, int) or text.isdigit():
        index = int(text)
        capture = cv2.VideoCapture(index)
        opened = capture.isOpened()
        fps = capture.get(cv2.CAP_PROP_FPS) if opened else 0.0
        capture.release()
        if not opened:
            raise InputError(f"webcam {index}: cannot be opened")
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
