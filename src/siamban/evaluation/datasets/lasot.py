"""LaSOT in the official layout: ``<class>/<class>-<n>/img/%08d.jpg``, ``groundtruth.txt`` (comma-separated boxes),
``full_occlusion.txt`` and ``out_of_view.txt`` (one comma-separated 0/1 flag per frame).

The test split is the 280 sequences named in ``testing_set.txt`` at the root (shipped with the LaSOT toolkit); when
that file is absent every sequence found is used (the test-only download holds exactly the 280). A frame is *absent*
when it is fully occluded or out of view; pysot-toolkit scores only present frames but divides by all frames (so an
absent frame counts as a miss), see ``docs/benchmarks.md``.
"""

from __future__ import annotations

from pathlib import Path

from siamban.evaluation.datasets.base import (
    Benchmark, Sequence, check_lengths, list_images, read_annotation, read_flags, read_list,
)
from siamban.errors import DatasetError


def read_lasot_sequence(folder: Path) -> Sequence:
    frames = list_images(folder / "img")
    anno = folder / "groundtruth.txt"
    gt = read_annotation(anno, columns=(4,))
    check_lengths(folder.name, frames, gt, anno)
    occlusion = read_flags(folder / "full_occlusion.txt", len(frames))
    out_of_view = read_flags(folder / "out_of_view.txt", len(frames))
    return Sequence(
        folder.name,
        frames,
        gt,
        absent=occlusion | out_of_view,
        attributes=(folder.parent.name,),
        tags={"full_occlusion": occlusion, "out_of_view": out_of_view},
    )


def load_lasot(root: Path, split: str = "test", names: list[str] | None = None) -> Benchmark:
    """LaSOT's ``test`` split (or ``all`` sequences under ``root``)."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset root not found")
    found = {p.parent.name: p.parent for p in root.glob("*/*/groundtruth.txt")}
    if split == "test" and (root / "testing_set.txt").is_file():
        listed = read_list(root / "testing_set.txt")
        missing = [n for n in listed if n not in found]
        if missing:
            raise DatasetError(
                f"{root / 'testing_set.txt'}: lists {missing[0]!r} (and {len(missing) - 1} more) not found"
            )
    else:
        listed = sorted(found)
    if names:
        listed = [n for n in listed if n in names]
    if not listed:
        raise DatasetError(f"{root}: no LaSOT sequence <class>/<class>-<n>/groundtruth.txt found")
    return Benchmark("LaSOT", root, [read_lasot_sequence(found[n]) for n in listed], protocol="ope")
