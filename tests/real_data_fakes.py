"""Small fabricated copies of the real-data layouts of ``shared/data`` (videos, image sets, sequence folders),
made inside the tests: a bright textured square moving over a noisy background."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np


def square_frames(count: int, size: tuple[int, int] = (160, 120), seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """``count`` BGR frames of a 24x20 square moving right and down, and its (x, y, w, h) boxes."""
    rng = np.random.default_rng(seed)
    width, height = size
    background = rng.integers(0, 80, (height, width, 3), dtype=np.uint8)
    frames, boxes = [], []
    for i in range(count):
        x, y, w, h = 20 + 3 * i, 30 + i, 24, 20
        frame = background.copy()
        frame[y : y + h, x : x + w] = (40, 200, 240)
        frame[y + 5 : y + 10, x + 4 : x + 18] = (200, 40, 60)
        frames.append(frame)
        boxes.append((x, y, w, h))
    return frames, np.asarray(boxes, dtype=np.float64)


def write_video(folder: Path, count: int = 20, lines: int | None = None, absent: tuple[int, ...] = (), seed: int = 0):
    """``folder/video.mp4`` of ``count`` frames and ``groundtruth.txt`` with ``lines`` lines (default ``count``);
    lines listed in ``absent`` read ``0,0,0,0``. Returns the boxes written."""
    folder.mkdir(parents=True, exist_ok=True)
    frames, boxes = square_frames(count, seed=seed)
    writer = cv2.VideoWriter(str(folder / "video.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 30, (160, 120))
    assert writer.isOpened(), "OpenCV cannot write mp4v"
    for frame in frames:
        writer.write(frame)
    writer.release()
    lines = count if lines is None else lines
    rows = [boxes[min(i, count - 1)] for i in range(lines)]
    text = ["0,0,0,0" if i in absent else ",".join(f"{v:g}" for v in row) for i, row in enumerate(rows)]
    (folder / "groundtruth.txt").write_text("\n".join(text) + "\n")
    return boxes


def write_index(root: Path, roles: dict[str, str]) -> None:
    """``root/index.json`` giving each name its role."""
    (root / "index.json").write_text(json.dumps({name: {"role": role} for name, role in roles.items()}))


def write_image_set(folder: Path, count: int = 3, seed: int = 0) -> int:
    """``folder/images/*.jpg`` and ``folder/annotations.json``, one or two boxes per image; returns the box count."""
    (folder / "images").mkdir(parents=True, exist_ok=True)
    frames, boxes = square_frames(count, seed=seed)
    entries, total = [], 0
    for i, (frame, box) in enumerate(zip(frames, boxes)):
        cv2.imwrite(str(folder / "images" / f"im{i}.jpg"), frame)
        entry_boxes = [[*box.tolist(), "square"]]
        if i % 2 == 0:
            entry_boxes.append([100.0, 80.0, 12.0, 10.0, "corner"])
        total += len(entry_boxes)
        entries.append({"file": f"images/im{i}.jpg", "width": 160, "height": 120, "boxes": entry_boxes})
    (folder / "annotations.json").write_text(json.dumps({"images": entries}))
    return total


def write_image_sequence(folder: Path, count: int = 12, seed: int = 0) -> np.ndarray:
    """An OTB-layout sequence ``folder/img/0001.jpg ...`` + ``groundtruth.txt``; returns the boxes."""
    (folder / "img").mkdir(parents=True, exist_ok=True)
    frames, boxes = square_frames(count, seed=seed)
    for i, frame in enumerate(frames, start=1):
        cv2.imwrite(str(folder / "img" / f"{i:04d}.jpg"), frame)
    (folder / "groundtruth.txt").write_text("".join(",".join(f"{v:g}" for v in b) + "\n" for b in boxes))
    return boxes
