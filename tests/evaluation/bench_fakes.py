"""Fabricated benchmark data and scripted trackers shared by the benchmark tests (importable by name, so worker
processes can unpickle them)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

import probe_model  # noqa: F401  (registers the probe backbone, in worker processes too)
from siamban.evaluation.trackers import SiamBANFactory
from siamban.tracker.tracker import TrackResult


def write_frames(folder: Path, count: int, pattern: str = "{:08d}.jpg", start: int = 1, size=(64, 48)) -> list[Path]:
    """``count`` small gray JPEGs named by ``pattern`` from number ``start``."""
    folder.mkdir(parents=True, exist_ok=True)
    image = np.full((size[1], size[0], 3), 128, np.uint8)
    paths = []
    for n in range(start, start + count):
        path = folder / pattern.format(n)
        cv2.imwrite(str(path), image)
        paths.append(path)
    return paths


def write_lines(path: Path, rows: Sequence[Sequence[float]] | Sequence[str], sep: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else sep.join(f"{v:g}" for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


class ScriptedTracker:
    """Returns a fixed list of boxes, one per ``track`` call since the last ``init`` (indexed by absolute frame).

    ``script[i]`` is the box reported for frame ``i`` of the sequence; ``init`` records the frame it was called on,
    inferred from the number of calls made so far, so re-initialisation resumes the script at the right frame.
    """

    def __init__(self, script: Sequence[Sequence[float]], frame_of_init: Sequence[int] | None = None) -> None:
        self.script = [tuple(float(v) for v in b) for b in script]
        self.inits: list[tuple[float, ...]] = []
        self.frame = -1
        self.calls: list[int] = []
        self.starts = list(frame_of_init or [])

    def init(self, image: np.ndarray, box_xywh: Sequence[float]) -> None:
        self.inits.append(tuple(float(v) for v in box_xywh))
        self.frame = self.starts.pop(0) if self.starts else 0

    def track(self, image: np.ndarray) -> TrackResult:
        self.frame += 1
        self.calls.append(self.frame)
        x, y, w, h = self.script[self.frame]
        return TrackResult(box=(x, y, w, h), score=1.0)


class StaticFactory:
    """Picklable factory of a tracker that always reports one box (for the parallel-worker tests)."""

    def __init__(self, box: Sequence[float]) -> None:
        self.box = tuple(box)

    def __call__(self) -> "StaticTracker":
        return StaticTracker(self.box)


class StaticTracker:
    def __init__(self, box) -> None:
        self.box = box

    def init(self, image, box_xywh) -> None:
        pass

    def track(self, image) -> TrackResult:
        return TrackResult(box=self.box, score=1.0)


class ProbeFactory(SiamBANFactory):
    """SiamBANFactory for the hand-set probe model; defined here so worker processes import ``probe_model`` (which
    registers the probe backbone) when they unpickle it."""


def write_shared_layout(root: Path, roles: dict[str, str], frames: int = 10) -> dict[str, np.ndarray]:
    """The shared/data/sequences layout (``<name>/img/00001.jpg``, ``groundtruth.txt``, ``index.json`` with roles):
    one moving textured square per sequence, each with its own direction. Returns the boxes per sequence."""
    import json

    from probe_model import moving_square_video

    index, truth = {}, {}
    steps = [(4, 2), (-3, 3), (5, -2), (2, 4)]
    for i, (name, role) in enumerate(sorted(roles.items())):
        images, boxes = moving_square_video(frames, step=steps[i % len(steps)])
        folder = root / name / "img"
        folder.mkdir(parents=True)
        for n, image in enumerate(images, start=1):
            cv2.imwrite(str(folder / f"{n:05d}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        write_lines(root / name / "groundtruth.txt", boxes)
        index[name] = {"frames": frames, "first_box": boxes[0].tolist(), "role": role, "size": [320, 240]}
        truth[name] = boxes
    (root / "index.json").write_text(json.dumps(index, indent=1))
    return truth
