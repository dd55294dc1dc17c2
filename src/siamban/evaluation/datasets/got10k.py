"""GOT-10k in the official layout: ``<split>/list.txt`` and ``<split>/GOT-10k_<Split>_%06d/%08d.jpg`` with
``groundtruth.txt`` (comma-separated; the test split gives the first frame only), ``absence.label``, ``cover.label``
(visible fraction 0-8), ``cut_by_image.label`` and ``meta_info.ini`` (``key: value`` lines after a header).

Following the GOT-10k toolkit, frames with ``cover == 0`` are the absent ones excluded from scoring, and the image
``resolution`` of ``meta_info.ini`` bounds the boxes before the overlap.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamban.evaluation.datasets.base import Benchmark, Sequence, list_images, read_annotation, read_flags, read_list
from siamban.errors import DatasetError


def read_meta_info(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    meta = {}
    for line in path.read_text().splitlines()[1:]:
        if ": " in line:
            key, value = line.split(": ", 1)
            meta[key.strip()] = value.strip()
    return meta


def _read_cover(path: Path, count: int) -> np.ndarray | None:
    if not path.is_file():
        return None
    values = read_annotation(path, columns=(1,), allow_nan=False, what="cover label").ravel()
    if len(values) != count:
        raise DatasetError(f"{path}: {len(values)} values for {count} frames")
    return values


def read_got10k_sequence(folder: Path, split: str) -> Sequence:
    frames = list_images(folder)
    anno = folder / "groundtruth.txt"
    gt = read_annotation(anno, columns=(4,))
    if split == "test":
        if len(gt) != 1 and len(gt) != len(frames):
            raise DatasetError(f"{anno}: the test split gives the first box only, found {len(gt)} lines")
        full = np.full((len(frames), 4), np.nan)
        full[: len(gt)] = gt
        gt = full
    elif len(gt) != len(frames):
        raise DatasetError(f"{anno}: {len(gt)} boxes for {len(frames)} frames of {folder.name}")
    absent = None
    tags = {}
    cover = _read_cover(folder / "cover.label", len(frames))
    if cover is not None:
        absent = cover == 0
        tags["cover"] = cover > 0
    elif (folder / "absence.label").is_file():
        absent = read_flags(folder / "absence.label", len(frames))
    if (folder / "cut_by_image.label").is_file():
        tags["cut_by_image"] = read_flags(folder / "cut_by_image.label", len(frames))
    meta = read_meta_info(folder / "meta_info.ini")
    attributes = tuple(meta[k] for k in ("object_class", "motion_class") if meta.get(k))
    return Sequence(folder.name, frames, gt, absent=absent, attributes=attributes, tags=tags, meta=meta)


def load_got10k(root: Path, split: str = "val", names: list[str] | None = None) -> Benchmark:
    """GOT-10k ``val`` or ``test``; ``root`` is the dataset root (holding ``val/``, ``test/``) or the split folder."""
    root = Path(root)
    base = root / split if (root / split / "list.txt").is_file() else root
    listed = read_list(base / "list.txt")
    if names:
        listed = [n for n in listed if n in names]
    if not listed:
        raise DatasetError(f"{base / 'list.txt'}: lists no sequence")
    for name in listed:
        if not (base / name).is_dir():
            raise DatasetError(f"{base / 'list.txt'}: lists {name!r} but {base / name} is missing")
    sequences = [read_got10k_sequence(base / n, split) for n in listed]
    return Benchmark("GOT-10k", root, sequences, protocol="got10k")
