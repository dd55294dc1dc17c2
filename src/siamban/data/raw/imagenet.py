"""ImageNet VID and DET (ILSVRC2015): one PASCAL-style XML file per image, ``<object><bndbox>`` boxes in pixels.

VID, ``RAW = ILSVRC2015``: ``Annotations/VID/train/ILSVRC2015_VID_train_000k/<video>/<frame>.xml`` with images at
the same path under ``Data/VID`` (``.JPEG``), and ``Annotations/VID/val/<video>``. The official scripts' symlinks
``Annotations/VID/train/{a,b,c,d,e}`` work too; either way the video keys are ``a/<video>`` .. ``d/<video>`` for the
four training parts and ``e/<video>`` for val, as in the official index. Tracks are the ``trackid`` values; as in
the official ``gen_json.py``, a track keeps its last run of consecutive annotated frames, and a run of one frame is
dropped.

DET, ``RAW = ILSVRC2015`` (or ``ILSVRC``): ``Annotations/DET/train/ILSVRC2013_train/<synset>/<image>.xml`` and
``ILSVRC2014_train_000k/<image>.xml``, images under ``Data/DET``; ``Annotations/DET/val/<image>.xml``. The parts are
the official ``a`` (2013) and ``b`` .. ``h`` (2014 parts 0-6), val is ``i`` (the official symlinked
``Annotations/DET/train/{a..i}`` work too); video keys ``<part>/<image>``, one frame ``000000``, one track per
object. ``i`` goes to ``val.json``, the rest to ``train.json``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path
from xml.parsers import expat

from siamban.io.annotations import Problem
from siamban.data.raw.base import FrameTargets, RawFormat, ReadResult, Target, Unit
from siamban.io.frames import natural_key

LETTERS = "abcdefghi"


class MalformedXML(ValueError):
    """An XML file that is not well-formed; ``line`` is where the parser stopped."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def parse_xml(path: Path) -> tuple[ET.Element, dict[ET.Element, int]]:
    """Parse an XML file into an ElementTree, with the line on which each element starts.

    Raises ``MalformedXML`` when the file is not well-formed, ``OSError`` when it cannot be read.
    """
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    lines: dict[ET.Element, int] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        lines[builder.start(tag, attrs)] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(path.read_bytes(), True)
    except expat.ExpatError as exc:
        raise MalformedXML(exc.lineno, f"malformed XML ({expat.errors.messages[exc.code]})") from None
    return builder.close(), lines


def read_objects(path: Path, with_trackid: bool) -> tuple[list[tuple[int, Target]], list[Problem]]:
    """The ``(trackid or object number, Target)`` pairs of one annotation XML, and the problems met."""
    try:
        root, lines = parse_xml(path)
    except MalformedXML as exc:
        return [], [Problem(f"{path}:{exc.line}", str(exc))]
    except OSError as exc:
        return [], [Problem(str(path), f"cannot read ({exc.strerror})")]
    objects, problems = [], []
    for number, obj in enumerate(root.iter("object")):
        where = f"{path}:{lines.get(obj, 0)}"
        try:
            box = obj.find("bndbox")
            if box is None:
                raise ValueError("no <bndbox>")
            x1, y1, x2, y2 = (float(int(box.findtext(k, "").strip())) for k in ("xmin", "ymin", "xmax", "ymax"))
            track = int(obj.findtext("trackid", "").strip()) if with_trackid else number
        except ValueError as exc:
            reason = str(exc) if str(exc).startswith("no <") else "bndbox and trackid must be integers"
            problems.append(Problem(where, f"object {number}: {reason}"))
            continue
        objects.append((track, Target(track, (x1, y1, x2, y2), where)))
    return objects, problems


def _parts(ann_root: Path, standard: list[tuple[str, str]]) -> list[tuple[str, Path]]:
    """(letter, annotation folder) pairs: the official symlinks ``train/a..`` if present, else the release names."""
    train = ann_root / "train"
    if (train / "a").is_dir():
        return [(p.name, p) for p in sorted(train.iterdir()) if p.is_dir() and p.name in LETTERS]
    return [(letter, ann_root / rel) for letter, rel in standard if (ann_root / rel).is_dir()]


def _image_for(xml: Path, ann_root: Path, data_root: Path) -> Path:
    return (data_root / xml.relative_to(ann_root)).with_suffix(".JPEG")


class ImageNetVID(RawFormat):
    name = "VID"
    layout = (
        "RAW/Annotations/VID/train/ILSVRC2015_VID_train_0000/<video>/000000.xml, ..., RAW/Annotations/VID/val/<video>/"
        "..., images at the same paths under RAW/Data/VID (.JPEG)"
    )
    _standard = [(LETTERS[k], f"train/ILSVRC2015_VID_train_{k:04d}") for k in range(4)] + [("e", "val")]

    def units(self, raw_dir: Path, problems: list[Problem]) -> list[Unit]:
        ann_root, data_root = raw_dir / "Annotations" / "VID", raw_dir / "Data" / "VID"
        units = []
        for letter, part in _parts(ann_root, self._standard):
            for video in sorted((p for p in part.iterdir() if p.is_dir()), key=natural_key):
                split = "val" if "val" in video.name else "train"  # the official rule (ILSVRC2015_val_*)
                image_dir = _image_for(video / "x.xml", ann_root, data_root).parent
                units.append(Unit(split, f"{letter}/{video.name}", (str(video), str(image_dir))))
        if not units:
            raise self.missing_layout(raw_dir, "no video folder under Annotations/VID")
        return units

    def read(self, unit: Unit) -> ReadResult:
        ann_dir, image_dir = Path(unit.sources[0]), Path(unit.sources[1])
        xmls = sorted(ann_dir.glob("*.xml"), key=natural_key)
        result = ReadResult([])
        per_track: dict[int, list[tuple[int, int, Target]]] = defaultdict(list)  # track -> (position, frame, target)
        for position, xml in enumerate(xmls):
            if not xml.stem.isdigit():
                result.problems.append(Problem(str(xml), "file name is not a frame number"))
                continue
            objects, problems = read_objects(xml, with_trackid=True)
            result.problems.extend(problems)
            for track, target in objects:
                per_track[track].append((position, int(xml.stem), target))
        stems = {int(xml.stem): xml.stem for xml in xmls if xml.stem.isdigit()}
        by_frame: dict[int, list[Target]] = defaultdict(list)
        for track, entries in per_track.items():
            kept = _last_run(entries)
            result.dropped["VID frames outside a track's last run"] += len(entries) - len(kept)
            for _, frame, target in kept:
                by_frame[frame].append(target)
        for frame in sorted(by_frame):
            image = image_dir / f"{stems[frame]}.JPEG"
            result.frames.append(FrameTargets(str(image), frame, by_frame[frame]))
        return result


def _last_run(entries: list[tuple[int, int, Target]]) -> list[tuple[int, int, Target]]:
    """The last run of consecutive positions longer than one frame (the official VID snippet rule), or nothing."""
    entries = sorted(entries, key=lambda e: e[0])
    runs, start = [], 0
    for i in range(1, len(entries) + 1):
        if i == len(entries) or entries[i][0] - entries[i - 1][0] > 1:
            runs.append(entries[start:i])
            start = i
    runs = [r for r in runs if len(r) > 1]
    return runs[-1] if runs else []


class ImageNetDET(RawFormat):
    name = "DET"
    unit_word = "image"
    layout = (
        "RAW/Annotations/DET/train/{ILSVRC2013_train/<synset>,ILSVRC2014_train_0000..0006}/<image>.xml and "
        "RAW/Annotations/DET/val/<image>.xml, images at the same paths under RAW/Data/DET (.JPEG)"
    )
    _standard = [("a", "train/ILSVRC2013_train")] + [
        (LETTERS[k + 1], f"train/ILSVRC2014_train_{k:04d}") for k in range(7)
    ] + [("i", "val")]

    def units(self, raw_dir: Path, problems: list[Problem]) -> list[Unit]:
        ann_root, data_root = raw_dir / "Annotations" / "DET", raw_dir / "Data" / "DET"
        units = []
        for letter, part in _parts(ann_root, self._standard):
            split = "val" if letter == "i" else "train"
            for xml in sorted(part.rglob("*.xml"), key=natural_key):
                image = _image_for(xml, ann_root, data_root)
                units.append(Unit(split, f"{letter}/{xml.stem}", (str(xml), str(image))))
        if not units:
            raise self.missing_layout(raw_dir, "no annotation XML under Annotations/DET")
        return units

    def read(self, unit: Unit) -> ReadResult:
        objects, problems = read_objects(Path(unit.sources[0]), with_trackid=False)
        frames = [FrameTargets(unit.sources[1], 0, [t for _, t in objects])] if objects else []
        return ReadResult(frames, problems, Counter())
