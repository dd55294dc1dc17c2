"""COCO: ``RAW/annotations/instances_<split>.json`` with images at ``RAW/<split>/<file_name>``.

Every ``instances_*.json`` found becomes one index, ``<split>.json`` (``train2017.json``, ``val2017.json``, as the
official scripts name them). Each image is a video ``<split>/<file name stem>`` with one frame ``000000``; its
annotations (crowd ones included, as officially) are the tracks, numbered in file order; ``bbox`` is
``[x, y, w, h]`` in pixels. JSON has no useful line numbers, so a malformed annotation is reported as
``file: annotations[i]``.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from siamban.io.annotations import Problem
from siamban.data.raw.base import FrameTargets, RawFormat, Target, Unit


class Coco(RawFormat):
    name = "COCO"
    unit_word = "image"
    layout = "RAW/annotations/instances_train2017.json and RAW/train2017/*.jpg (likewise val2017)"

    def units(self, raw_dir: Path, problems: list[Problem]) -> list[Unit]:
        files = sorted((raw_dir / "annotations").glob("instances_*.json"))
        if not files:
            raise self.missing_layout(raw_dir, "no annotations/instances_*.json")
        units: list[Unit] = []
        for path in files:
            units.extend(_read_split(raw_dir, path, problems))
        return units


def _read_split(raw_dir: Path, path: Path, problems: list[Problem]) -> list[Unit]:
    split = path.stem.removeprefix("instances_")
    try:
        data = json.loads(path.read_text())
        images = data["images"]
        annotations = data["annotations"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problems.append(Problem(str(path), f"not a COCO instances file ({type(exc).__name__}: {exc}); skipped"))
        return []
    file_names: dict[int, str] = {}
    for i, image in enumerate(images):
        try:
            file_names[int(image["id"])] = str(image["file_name"])
        except (KeyError, TypeError, ValueError):
            problems.append(Problem(f"{path}: images[{i}]", "needs an integer 'id' and a 'file_name'; skipped"))
    per_image: dict[int, list[Target]] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    for i, ann in enumerate(annotations):
        where = f"{path}: annotations[{i}]"
        try:
            image_id = int(ann["image_id"])
            x, y, w, h = (float(v) for v in ann["bbox"])
            if not all(math.isfinite(v) for v in (x, y, w, h)):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            problems.append(Problem(where, f"needs 'image_id' and a 'bbox' of four numbers, got {_short(ann)}"))
            continue
        if image_id not in file_names:
            problems.append(Problem(where, f"image_id {image_id} is not in 'images'"))
            continue
        track = counts[image_id]  # official track numbers: position among the image's annotations
        counts[image_id] += 1
        per_image[image_id].append(Target(track, (x, y, x + w, y + h), where))
    units = []
    for image_id in sorted(per_image):
        file_name = file_names[image_id]
        video = f"{split}/{Path(file_name).name.split('.')[0]}"
        frame = FrameTargets(str(raw_dir / split / file_name), 0, per_image[image_id])
        units.append(Unit(split, video, frames=[frame]))
    return units


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
