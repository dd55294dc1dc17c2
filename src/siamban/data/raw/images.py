"""Still images with boxed objects: ``RAW/<set>/annotations.json`` + ``RAW/<set>/images/*.jpg``.

This is the layout of ``shared/data/images``.

``annotations.json`` is ``{"images": [{"file": "images/NAME.jpg", "width": W, "height": H, "boxes": [[x, y, w, h,
"class"], ...]}, ...]}`` with boxes in 0-based pixels. As pysot uses COCO and ImageNet DET, every image is a video
``<set>/<file stem>`` with one frame ``000000`` whose boxes are its tracks (numbered in file order); template and
search are then cut around the same box. ``RAW`` may also be one set's folder. Everything is indexed under
``train``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from siamban.io.annotations import Problem
from siamban.data.raw.base import FrameTargets, RawFormat, Target, Unit

ANNOTATIONS = "annotations.json"


def image_sets(raw_dir: Path) -> list[Path]:
    """The set folders under ``raw_dir`` (or ``raw_dir`` itself) that hold an ``annotations.json``."""
    if (raw_dir / ANNOTATIONS).is_file():
        return [raw_dir]
    return sorted(p.parent for p in raw_dir.glob(f"*/{ANNOTATIONS}"))


def read_image_set(folder: Path, problems: list[Problem]) -> list[FrameTargets]:
    """The boxed images of one set; malformed entries are appended to ``problems`` and skipped."""
    path = folder / ANNOTATIONS
    try:
        entries = json.loads(path.read_text())["images"]
        if not isinstance(entries, list):
            raise TypeError("'images' is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problems.append(Problem(str(path), f"not an image-set file ({type(exc).__name__}: {exc}); skipped"))
        return []
    frames = []
    for i, entry in enumerate(entries):
        where = f"{path}: images[{i}]"
        try:
            file = str(entry["file"])
            raw_boxes = entry["boxes"]
            targets = []
            for j, box in enumerate(raw_boxes):
                x, y, w, h = (float(v) for v in box[:4])
                if not all(math.isfinite(v) for v in (x, y, w, h)):
                    raise ValueError(f"boxes[{j}] is not finite")
                targets.append(Target(j, (x, y, x + w, y + h), f"{where}.boxes[{j}]"))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(Problem(where, f"needs 'file' and 'boxes' of [x, y, w, h, class] ({exc}); skipped"))
            continue
        if targets:
            frames.append(FrameTargets(str(folder / file), 0, targets))
    return frames


class Images(RawFormat):
    name = "IMAGES"
    unit_word = "image"
    layout = (
        "RAW/<set>/annotations.json and RAW/<set>/images/*.jpg ({'images': [{'file', 'boxes': [[x,y,w,h,class]]}]})"
    )

    def units(self, raw_dir: Path, problems: list[Problem]) -> list[Unit]:
        sets = image_sets(raw_dir)
        if not sets:
            raise self.missing_layout(raw_dir, f"no {ANNOTATIONS}")
        units = []
        for folder in sets:
            prefix = folder.name
            for frame in read_image_set(folder, problems):
                video = f"{prefix}/{Path(frame.image).stem}"
                units.append(Unit("train", video, frames=[frame]))
        return units
