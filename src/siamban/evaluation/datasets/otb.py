"""OTB100 (OTB-2015) and its OTB2013 subset in the official layout: ``<Seq>/img/%04d.jpg`` + ``groundtruth_rect.txt``.

Quirks handled (facts of the OTB release, resolved the way pysot-toolkit's ``OTB100.json`` resolves them):
- two targets in one video: ``Jogging`` and ``Skating2`` carry ``groundtruth_rect.1.txt`` and ``.2.txt`` and become
  ``Jogging-1``/``Jogging-2`` (pysot-toolkit's names); an empty per-target file (``Human4``'s ``.1``) is skipped;
- sequences whose evaluated frames are a range of the image folder (``David`` 300-770, ``Tiger1`` from 6, ...): the
  ground truth may cover the range or the whole folder; either way frames and boxes are cut to the range;
- separators mixed within a file (comma, tab, space), read by the shared parser.
"""

from __future__ import annotations

from pathlib import Path

from siamban.evaluation.datasets.base import (
    Benchmark,
    Sequence,
    check_lengths,
    frame_number,
    list_images,
    read_annotation,
)
from siamban.errors import DatasetError

#: 1-based first and last image number of the evaluated range (None: to the last image).
FRAME_RANGES: dict[str, tuple[int, int | None]] = {
    "David": (300, 770),
    "Football1": (1, 74),
    "Freeman3": (1, 460),
    "Freeman4": (1, 283),
    "Diving": (1, 215),
    "Tiger1": (6, None),
    "BlurCar1": (247, None),
    "BlurCar3": (3, None),
    "BlurCar4": (18, None),
}

#: The 50 videos (51 targets: Jogging has two) of OTB-2013 (CVPR13), a subset of OTB100.
OTB2013 = (
    "Basketball Bolt Boy Car4 CarDark CarScale Coke Couple Crossing David David2 David3 Deer Dog1 Doll Dudek FaceOcc1 "
    "FaceOcc2 Fish FleetFace Football Football1 Freeman1 Freeman3 Freeman4 Girl Ironman Jogging Jumping Lemming Liquor "
    "Matrix Mhyang MotorRolling MountainBike Shaking Singer1 Singer2 Skating1 Skiing Soccer Subway Suv Sylvester "
    "Tiger1 Tiger2 Trellis Walking Walking2 Woman"
).split()


def _targets(folder: Path) -> list[tuple[str, Path]]:
    single = folder / "groundtruth_rect.txt"
    if single.is_file():
        return [(folder.name, single)]
    files = sorted(folder.glob("groundtruth_rect.*.txt"))
    files = [f for f in files if f.read_text().strip()]
    if not files:
        raise DatasetError(f"{folder}: no groundtruth_rect.txt (nor groundtruth_rect.N.txt)")
    if len(files) == 1:
        return [(folder.name, files[0])]
    return [(f"{folder.name}-{f.name.split('.')[1]}", f) for f in files]


def read_otb_sequence(folder: Path) -> list[Sequence]:
    """Read one OTB video folder into one Sequence per annotated target."""
    images = list_images(folder / "img")
    first, last = FRAME_RANGES.get(folder.name, (1, None))
    chosen = [p for p in images if frame_number(p) >= first and (last is None or frame_number(p) <= last)]
    sequences = []
    for name, anno in _targets(folder):
        gt = read_annotation(anno, columns=(4,))
        frames = chosen
        if len(gt) != len(chosen) and len(gt) == len(images) and frame_number(images[0]) == 1:
            gt = gt[[frame_number(p) - 1 for p in chosen]]  # annotation covers the whole folder: cut to the range
        elif len(gt) < len(chosen) and len(chosen) - len(gt) <= 1:
            frames = chosen[: len(gt)]  # a stray extra image at the end (as in some OTB downloads)
        check_lengths(name, frames, gt, anno)
        sequences.append(Sequence(name=name, frames=frames, ground_truth=gt))
    return sequences


def load_otb(root: Path, version: str = "OTB100", names: list[str] | None = None) -> Benchmark:
    """OTB100 (every video folder under ``root``) or OTB2013 (its 50-video subset)."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset root not found")
    folders = sorted((p for p in root.iterdir() if (p / "img").is_dir()), key=lambda p: p.name.lower())
    if version.upper() == "OTB2013":
        wanted = set(OTB2013)
        folders = [p for p in folders if p.name in wanted]
    if names:
        folders = [p for p in folders if p.name in names or any(n.startswith(p.name + "-") for n in names)]
    if not folders:
        raise DatasetError(f"{root}: no OTB sequence folders (<Seq>/img/ + groundtruth_rect.txt) found")
    sequences = [s for folder in folders for s in read_otb_sequence(folder)]
    if names:
        sequences = [s for s in sequences if s.name in names or s.name.split("-")[0] in names]
    return Benchmark(version.upper(), root, sequences, protocol="ope")
