"""VOT2016/2017/2018/2019 short-term in the official layout.

``<root>/list.txt`` names the sequences; each has ``groundtruth.txt`` (8-value polygons ``x1,y1,...,x4,y4`` or 4-value
boxes), frames in ``color/%08d.jpg`` (VOT2019+) or directly ``%08d.jpg`` (VOT2016-2018), and per-frame attribute
files ``camera_motion.tag``, ``illum_change.tag``, ``motion_change.tag``, ``size_change.tag``, ``occlusion.tag``
(newer releases name them ``*.label``). A missing tag file means the attribute is never set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamban.evaluation.datasets.base import (
    Benchmark, Sequence, check_lengths, list_images, read_annotation, read_flags, read_list,
)
from siamban.errors import DatasetError

VOT_TAGS = ("camera_motion", "illum_change", "motion_change", "size_change", "occlusion")

#: EAO averaging interval [low, high] (sequence lengths) per edition, as pysot-toolkit and the VOT reports use.
EAO_INTERVALS: dict[str, tuple[int, int]] = {
    "VOT2016": (108, 371),
    "VOT2017": (100, 356),
    "VOT2018": (100, 356),
    "VOT2019": (46, 291),
}


def read_vot_sequence(folder: Path) -> Sequence:
    """Read one VOT sequence folder (frames, polygons, per-frame tags)."""
    frames = list_images(folder / "color") if (folder / "color").is_dir() else list_images(folder)
    anno = folder / "groundtruth.txt"
    gt = read_annotation(anno, columns=(4, 8))
    check_lengths(folder.name, frames, gt, anno)
    tags = {}
    for tag in VOT_TAGS:
        for suffix in (".tag", ".label"):
            path = folder / f"{tag}{suffix}"
            if path.is_file():
                flags = read_flags(path)
                if len(flags) > len(frames):
                    raise DatasetError(f"{path}: {len(flags)} flags for {len(frames)} frames")
                # VOT tag files may stop at the last tagged frame: the rest is untagged.
                tags[tag] = np.concatenate([flags, np.zeros(len(frames) - len(flags), bool)])
                break
        else:
            tags[tag] = np.zeros(len(frames), dtype=bool)
    return Sequence(name=folder.name, frames=frames, ground_truth=gt, tags=tags)


def load_vot(root: Path, edition: str = "VOT2018", names: list[str] | None = None) -> Benchmark:
    """A VOT short-term dataset; ``edition`` picks the EAO interval (VOT2016 ... VOT2019)."""
    root = Path(root)
    edition = edition.upper()
    if edition not in EAO_INTERVALS:
        raise DatasetError(f"unknown VOT edition {edition!r} (known: {', '.join(EAO_INTERVALS)})")
    listed = read_list(root / "list.txt") if (root / "list.txt").is_file() else sorted(
        p.name for p in root.iterdir() if (p / "groundtruth.txt").is_file()
    )
    if names:
        listed = [n for n in listed if n in names]
    if not listed:
        raise DatasetError(f"{root}: no VOT sequences (list.txt or <seq>/groundtruth.txt) found")
    for name in listed:
        if not (root / name).is_dir():
            raise DatasetError(f"{root / 'list.txt'}: lists {name!r} but {root / name} is missing")
    sequences = [read_vot_sequence(root / name) for name in listed]
    return Benchmark(edition, root, sequences, protocol="vot", eao_interval=EAO_INTERVALS[edition])
