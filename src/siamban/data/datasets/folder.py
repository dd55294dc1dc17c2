"""Raw annotated sequences in the OTB layout, cropped on the fly: ``ROOT/<name>/img/*.jpg`` + ``groundtruth.txt``.

``groundtruth.txt`` has one ``x,y,w,h`` line per image (in image-name order); boxes are read as LaSOT and GOT-10k
boxes are, ``(x, y, x + w, y + h)``. When ``ROOT/index.json`` gives each sequence a ``role`` (as
``shared/data/sequences`` does), an empty name list means the ``train`` sequences, and a ``heldout`` sequence is
refused unless ``allow_heldout`` is set: held-out data must never reach training.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from siamban.data.annotations import list_images, read_groundtruth
from siamban.data.datasets.base import FullFrameDataset
from siamban.errors import DatasetError
from siamban.io.frames import natural_key, read_image


def sequence_roles(root: Path) -> dict[str, str]:
    """``{name: role}`` from ``root/index.json`` when it has roles, else empty."""
    path = root / "index.json"
    if not path.is_file():
        return {}
    try:
        index = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(index, dict):
        return {}
    return {str(k): str(v["role"]) for k, v in index.items() if isinstance(v, dict) and "role" in v}


class SequenceFolderDataset(FullFrameDataset):
    """The sequences ``names`` (default: the ``train``-role ones, or all) of an OTB-layout folder."""

    def __init__(
        self,
        name: str,
        root: str | Path,
        names: Sequence[str] = (),
        frame_range: int = 100,
        num_use: int = -1,
        exemplar_size: int = 127,
        allow_heldout: bool = False,
    ) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise DatasetError(f"{name}: sequence folder {self.root} not found")
        roles = sequence_roles(self.root)
        if names:
            self.names = list(names)
        elif roles:
            self.names = sorted((n for n, r in roles.items() if r == "train"), key=natural_key)
        else:
            self.names = sorted(
                (p.parent.name for p in self.root.glob("*/groundtruth.txt")), key=natural_key
            )
        if not self.names:
            raise DatasetError(f"{self.root}: no sequence (expected <name>/img/*.jpg and <name>/groundtruth.txt)")
        self._images: list[list[Path]] = []
        boxes = []
        for seq_name in self.names:
            if roles.get(seq_name) == "heldout" and not allow_heldout:
                raise DatasetError(
                    f"{self.root / 'index.json'}: {seq_name} is a heldout sequence; it must never be used for training"
                )
            seq_boxes, images = self._read_sequence(seq_name)
            boxes.append(seq_boxes)
            self._images.append(images)
        super().__init__(name, boxes, frame_range=frame_range, num_use=num_use, exemplar_size=exemplar_size)

    def _read_sequence(self, seq_name: str) -> tuple[np.ndarray, list[Path]]:
        folder = self.root / seq_name
        gt_path = folder / "groundtruth.txt"
        if not gt_path.is_file():
            raise DatasetError(f"{gt_path}: not found (sequence {seq_name!r} of {self.root})")
        boxes, problems = read_groundtruth(gt_path)
        if problems:
            raise DatasetError(str(problems[0]))
        images = list_images(folder / "img")
        if len(images) < len(boxes):
            raise DatasetError(f"{gt_path}: {len(boxes)} boxes but only {len(images)} images in {folder / 'img'}")
        return boxes, images[: len(boxes)]

    def sequence_name(self, seq: int) -> str:
        return f"{self.name}:{self.names[seq]}"

    def image(self, seq: int, frame: int) -> np.ndarray:
        return read_image(self._images[seq][frame])
