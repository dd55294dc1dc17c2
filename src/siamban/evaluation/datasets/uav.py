"""UAV123 and UAV20L in the official layout: ``data_seq/UAV123/<folder>/%06d.jpg`` and
``anno/<UAV123|UAV20L>/<seq>.txt``.

Several UAV123 sequences are frame ranges of one recording (``bird1_1`` is frames 1-253 of ``data_seq/UAV123/bird1``),
as the benchmark's ``configSeqs`` defines; the table below holds those ranges (facts of the UAV123 release, the same
as the GOT-10k toolkit's ``uav123.json``, MIT). Every other sequence is its own folder from frame 1. Rows of ``NaN``
mark frames whose target is out of view (kept as NaN, as pysot-toolkit keeps them: they never succeed in overlap
and, its quirk, always succeed in precision). Sequence attributes come from ``anno/UAV123/att/<seq>.txt`` when
present (12 flags, in the order of ``UAV_ATTRIBUTES``).
"""

from __future__ import annotations

from pathlib import Path

from siamban.evaluation.datasets.base import Benchmark, Sequence, read_annotation, read_flags
from siamban.errors import DatasetError

#: sequence -> (image folder, first frame, last frame), 1-based inclusive, for the sub-sequences of UAV123.
UAV123_RANGES: dict[str, tuple[str, int, int]] = {
    "bird1_1": ("bird1", 1, 253), "bird1_2": ("bird1", 775, 1477), "bird1_3": ("bird1", 1573, 2437),
    "car16_1": ("car16", 1, 415), "car16_2": ("car16", 415, 1993), "car1_1": ("car1", 1, 751),
    "car1_2": ("car1", 751, 1627), "car1_3": ("car1", 1627, 2629), "car6_1": ("car6", 1, 487),
    "car6_2": ("car6", 487, 1807), "car6_3": ("car6", 1807, 2953), "car6_4": ("car6", 2953, 3925),
    "car6_5": ("car6", 3925, 4861), "car8_1": ("car8", 1, 1357), "car8_2": ("car8", 1357, 2575),
    "group1_1": ("group1", 1, 1333), "group1_2": ("group1", 1333, 2515), "group1_3": ("group1", 2515, 3925),
    "group1_4": ("group1", 3925, 4873), "group2_1": ("group2", 1, 907), "group2_2": ("group2", 907, 1771),
    "group2_3": ("group2", 1771, 2683), "group3_1": ("group3", 1, 1567), "group3_2": ("group3", 1567, 2827),
    "group3_3": ("group3", 2827, 4369), "group3_4": ("group3", 4369, 5527), "person12_1": ("person12", 1, 601),
    "person12_2": ("person12", 601, 1621), "person14_1": ("person14", 1, 847), "person14_2": ("person14", 847, 1813),
    "person14_3": ("person14", 1813, 2923), "person17_1": ("person17", 1, 1501),
    "person17_2": ("person17", 1501, 2347), "person19_1": ("person19", 1, 1243),
    "person19_2": ("person19", 1243, 2791), "person19_3": ("person19", 2791, 4357),
    "person2_1": ("person2", 1, 1189), "person2_2": ("person2", 1189, 2623), "person4_1": ("person4", 1, 1501),
    "person4_2": ("person4", 1501, 2743), "person5_1": ("person5", 1, 877), "person5_2": ("person5", 877, 2101),
    "person7_1": ("person7", 1, 1249), "person7_2": ("person7", 1249, 2065), "person8_1": ("person8", 1, 1075),
    "person8_2": ("person8", 1075, 1525), "truck4_1": ("truck4", 1, 577), "truck4_2": ("truck4", 577, 1261),
    "uav1_1": ("uav1", 1, 1555), "uav1_2": ("uav1", 1555, 2377), "uav1_3": ("uav1", 2473, 3469),
}

UAV_ATTRIBUTES = ("SV", "ARC", "LR", "FM", "FOC", "POC", "OV", "BC", "IV", "VC", "CM", "SOB")


def _attributes(path: Path) -> tuple[str, ...]:
    if not path.is_file():
        return ()
    flags = read_flags(path)
    if len(flags) != len(UAV_ATTRIBUTES):
        raise DatasetError(f"{path}: expected {len(UAV_ATTRIBUTES)} attribute flags, got {len(flags)}")
    return tuple(a for a, f in zip(UAV_ATTRIBUTES, flags) if f)


def load_uav(root: Path, version: str = "UAV123", names: list[str] | None = None) -> Benchmark:
    """UAV123 (123 sequences, sub-sequences cut by frame range) or UAV20L (20 whole long sequences)."""
    root = Path(root)
    version = version.upper()
    anno_dir = root / "anno" / version
    if not anno_dir.is_dir():
        raise DatasetError(f"{anno_dir}: annotation folder not found (expected <root>/anno/{version}/<seq>.txt)")
    files = sorted(anno_dir.glob("*.txt"))
    if names:
        files = [f for f in files if f.stem in names]
    if not files:
        raise DatasetError(f"{anno_dir}: holds no <seq>.txt annotation")
    sequences = []
    for anno in files:
        gt = read_annotation(anno, columns=(4,))
        folder, first, last = UAV123_RANGES.get(anno.stem, (anno.stem, 1, len(gt))) if version == "UAV123" else (
            anno.stem, 1, len(gt))
        if last - first + 1 != len(gt):
            raise DatasetError(f"{anno}: {len(gt)} boxes for frames {first}-{last} of {folder}")
        image_dir = root / "data_seq" / "UAV123" / folder
        frames = [image_dir / f"{n:06d}.jpg" for n in range(first, last + 1)]
        missing = [p for p in (frames[0], frames[-1]) if not p.is_file()]
        if missing:
            raise DatasetError(f"{missing[0]}: frame of {anno.stem} not found")
        attributes = _attributes(root / "anno" / version / "att" / f"{anno.stem}.txt")
        sequences.append(Sequence(anno.stem, frames, gt, attributes=attributes))
    return Benchmark(version, root, sequences, protocol="ope")
