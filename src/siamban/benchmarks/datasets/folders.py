"""A folder of sequences in the OTB layout with an optional ``index.json``: ``<root>/<name>/img/*.jpg`` and
``<name>/groundtruth.txt`` (or ``groundtruth_rect.txt``), one ``x,y,w,h`` line per frame. This is the layout of the
project's real sequences (``shared/data/sequences``, registered as dataset ``shared``) and of any home-made set.

``index.json`` maps each sequence name to ``{"frames": N, "first_box": [x, y, w, h], "size": [w, h], "role": ...}``;
when present it lists the sequences (others are ignored), its counts and first boxes are checked against the files,
and each sequence's ``role`` (``train``, ``val``, ``heldout``) lands in ``Sequence.meta`` so runs can be restricted
to one split (``load_benchmark(..., roles=["val"])``, ``siamban test --role val``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from siamban.benchmarks.datasets.base import Benchmark, Sequence, check_lengths, list_images, read_annotation
from siamban.errors import DatasetError

ANNOTATION_NAMES = ("groundtruth.txt", "groundtruth_rect.txt")


def read_index(path: Path) -> dict[str, dict]:
    """``index.json`` as ``{name: entry}``, or DatasetError naming the file and the faulty entry."""
    try:
        index = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(index, dict) or not all(isinstance(v, dict) for v in index.values()):
        raise DatasetError(f"{path}: expected an object mapping sequence names to objects")
    return index


def read_folder_sequence(folder: Path, entry: dict | None = None) -> Sequence:
    """One ``<name>/img`` + ground-truth folder; ``entry`` is its ``index.json`` record, checked against the files."""
    frames = list_images(folder / "img")
    anno = next((folder / n for n in ANNOTATION_NAMES if (folder / n).is_file()), folder / ANNOTATION_NAMES[0])
    gt = read_annotation(anno, columns=(4,))
    check_lengths(folder.name, frames, gt, anno)
    meta: dict[str, str] = {}
    if entry is not None:
        where = f"{folder.parent / 'index.json'}: {folder.name}"
        if "frames" in entry and int(entry["frames"]) != len(frames):
            raise DatasetError(f"{where}: says {entry['frames']} frames, {folder / 'img'} holds {len(frames)}")
        if "first_box" in entry and not np.allclose(entry["first_box"], gt[0]):
            raise DatasetError(f"{where}: first_box {entry['first_box']} differs from {anno} line 1 {gt[0].tolist()}")
        if "size" in entry:
            meta["resolution"] = str(tuple(int(v) for v in entry["size"]))
        if "role" in entry:
            meta["role"] = str(entry["role"])
    return Sequence(folder.name, frames, gt, meta=meta)


def load_folders(root: Path, names: list[str] | None = None, name: str = "shared") -> Benchmark:
    """Every sequence of ``root`` (those of ``index.json`` when it exists), sorted by name."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset root not found")
    index_path = root / "index.json"
    if index_path.is_file():
        index = read_index(index_path)
        for seq_name in index:
            if not (root / seq_name).is_dir():
                raise DatasetError(f"{index_path}: lists {seq_name!r} but {root / seq_name} is missing")
        listed = sorted(index)
    else:
        index = {}
        listed = sorted(p.name for p in root.iterdir() if (p / "img").is_dir())
    if names:
        listed = [n for n in listed if n in names]
    if not listed:
        raise DatasetError(f"{root}: no sequence folders (<name>/img/ + groundtruth.txt) found")
    sequences = [read_folder_sequence(root / n, index.get(n)) for n in listed]
    return Benchmark(name, root, sequences, protocol="ope")
