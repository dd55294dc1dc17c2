"""Need for Speed (NFS), 30 fps version, in the official layout: ``<seq>/30/<seq>/%05d.jpg`` and ``<seq>/30/<seq>.txt``.

The annotation file is written at 240 fps whatever the folder: one row per 240 fps frame,
``track_id x1 y1 x2 y2 frame lost occluded generated "class"``. For the 30 fps frames every 8th row is taken (rows
0, 8, 16, ...), as the GOT-10k toolkit does; when the counts then differ by one frame, both are cut to the shorter.
Boxes become (x, y, w, h) with ``w = x2 - x1``. The ``occluded`` column becomes the per-frame ``occlusion`` tag and the
class label a sequence attribute.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np

from siamban.evaluation.datasets.base import Benchmark, Sequence, list_images
from siamban.errors import DatasetError


def _read_nfs_rows(path: Path) -> tuple[np.ndarray, np.ndarray, str]:
    boxes, occluded, label = [], [], ""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        parts = shlex.split(line)
        if len(parts) < 8:
            raise DatasetError(f"{path}:{number}: expected at least 8 columns (id x1 y1 x2 y2 frame lost occluded)")
        try:
            x1, y1, x2, y2 = (float(v) for v in parts[1:5])
            occluded.append(float(parts[7]) != 0)
        except ValueError:
            raise DatasetError(f"{path}:{number}: not numbers: {line.strip()[:60]!r}") from None
        boxes.append([x1, y1, x2 - x1, y2 - y1])
        label = parts[9] if len(parts) > 9 else label
    if not boxes:
        raise DatasetError(f"{path}: holds no annotation")
    return np.asarray(boxes), np.asarray(occluded, dtype=bool), label


def load_nfs(root: Path, fps: int = 30, names: list[str] | None = None) -> Benchmark:
    """NFS at ``fps`` 30 (the paper's table) or 240."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset root not found")
    annos = sorted(root.glob(f"*/{fps}/*.txt"), key=lambda p: p.stem.lower())
    if names:
        annos = [a for a in annos if a.stem in names]
    if not annos:
        raise DatasetError(f"{root}: no NFS annotation <seq>/{fps}/<seq>.txt found")
    sequences = []
    for anno in annos:
        frames = list_images(anno.parent / anno.stem)
        gt, occluded, label = _read_nfs_rows(anno)
        if len(gt) != len(frames) and abs(len(gt) / len(frames) - 240 / fps) < 1:
            gt, occluded = gt[:: 240 // fps], occluded[:: 240 // fps]
        if 0 < abs(len(gt) - len(frames)) <= 1:
            n = min(len(gt), len(frames))
            gt, occluded, frames = gt[:n], occluded[:n], frames[:n]
        if len(gt) != len(frames):
            raise DatasetError(f"{anno}: {len(gt)} boxes for {len(frames)} frames of {anno.stem}")
        attributes = (label,) if label else ()
        sequences.append(Sequence(anno.stem, frames, gt, attributes=attributes, tags={"occlusion": occluded}))
    return Benchmark(f"NFS{fps}", root, sequences, protocol="ope")
