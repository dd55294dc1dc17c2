"""A folder of annotated sequences (``siamban.io.sequences``: OTB-layout image folders or ``video.mp4`` +
``groundtruth.txt``) with an optional ``index.json``. This is the layout of the project's real data
(``shared/data/sequences`` and ``shared/data/videos``, registered as dataset ``folders``) and of any home-made set.

When ``index.json`` exists it lists the sequences (others are ignored), its ``frames`` counts and ``first_box``es
are checked against the files, and each sequence's ``role`` (``train``, ``val``, ``heldout``) lands in
``Sequence.meta`` so runs can be restricted to one split (``load_benchmark(..., roles=["val"])``,
``siamban test --role val``). Frames whose line is ``0,0,0,0`` or NaN are flagged absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamban.evaluation.datasets.base import Benchmark, Sequence
from siamban.errors import DatasetError
from siamban.io.annotations import valid_boxes
from siamban.io.sequences import read_index, read_sequence_folder, sequence_names


def read_folder_sequence(folder: Path, entry: dict | None = None) -> Sequence:
    """One sequence folder; ``entry`` is its ``index.json`` record, checked against the files."""
    files = read_sequence_folder(folder)
    gt = files.boxes
    meta: dict[str, str] = {}
    if entry is not None:
        where = f"{folder.parent / 'index.json'}: {folder.name}"
        if not isinstance(entry, dict):
            raise DatasetError(f"{where}: expected a mapping such as {{\"frames\": N, \"role\": \"val\"}}, got "
                               f"{entry!r:.60}")
        try:
            frame_count = int(entry["frames"]) if "frames" in entry else None
            first_box = np.asarray(entry["first_box"], dtype=np.float64) if "first_box" in entry else None
            size = tuple(int(v) for v in entry["size"]) if "size" in entry else None
        except (TypeError, ValueError):
            raise DatasetError(f"{where}: frames, first_box and size must be numbers, got {entry!r:.80}") from None
        if first_box is not None and first_box.shape != (4,):
            raise DatasetError(f"{where}: first_box {entry['first_box']!r} is not four numbers x, y, w, h")
        if frame_count is not None and frame_count != len(files):
            raise DatasetError(f"{where}: says {entry['frames']} frames, {folder} holds {len(files)}")
        if first_box is not None and not np.allclose(first_box, gt[0]):
            raise DatasetError(
                f"{where}: first_box {entry['first_box']} differs from {files.annotation} line 1 {gt[0].tolist()}"
            )
        if size is not None:
            meta["resolution"] = str(size)
        if "role" in entry:
            meta["role"] = str(entry["role"])
    absent = ~valid_boxes(gt)
    if absent[0]:
        raise DatasetError(f"{files.annotation}:1: the first frame needs a box to start the tracker on")
    frames: list = list(files.frames)
    return Sequence(folder.name, frames, gt, absent=absent if absent.any() else None, meta=meta)


def load_folders(root: Path, names: list[str] | None = None, name: str = "folders") -> Benchmark:
    """Every sequence of ``root`` (those of ``index.json`` when it exists), in natural name order."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset root not found")
    listed = sequence_names(root)
    index = read_index(root / "index.json") if (root / "index.json").is_file() else {}
    if names:
        listed = [n for n in listed if n in names]
    if not listed:
        raise DatasetError(f"{root}: no sequence folders (<name>/img/ or <name>/video.mp4, + groundtruth.txt) found")
    sequences = [read_folder_sequence(root / n, index.get(n)) for n in listed]
    return Benchmark(name, root, sequences, protocol="ope")
