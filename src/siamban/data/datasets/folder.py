"""Annotated image sequences cropped on the fly: a folder read by ``siamban.io.sequences`` (the OTB layout).

Boxes are read as LaSOT and GOT-10k boxes are, ``(x, y, x + w, y + h)``; absent-target lines are skipped. When
``ROOT/index.json`` gives sequences a ``role`` (as ``shared/data/sequences`` does), an empty name list means the
``train`` sequences, and naming a ``val`` or ``heldout`` one is refused: only train-role data may train. Video
sequences are refused here (random access into H.264 is slow): ``siamban prepare VIDEOS`` decodes them once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from siamban.data.datasets.base import FullFrameDataset
from siamban.data.roles import require_train, train_names
from siamban.errors import DatasetError
from siamban.io.frames import natural_key, read_image
from siamban.io.sequences import read_roles, read_sequence_folder, sequence_names


class SequenceFolderDataset(FullFrameDataset):
    """The sequences ``names`` (default: the ``train``-role ones, or all) of a folder of sequences."""

    def __init__(
        self,
        name: str,
        root: str | Path,
        names: Sequence[str] = (),
        frame_range: int = 100,
        num_use: int = -1,
        exemplar_size: int = 127,
    ) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise DatasetError(f"{name}: sequence folder {self.root} not found")
        roles = read_roles(self.root)
        if names:
            require_train(self.root, names, roles)
            self.names = list(names)
        elif roles:
            self.names = sorted(train_names(roles), key=natural_key)
        else:
            self.names = sequence_names(self.root)
        if not self.names:
            raise DatasetError(f"{self.root}: no sequence (expected <name>/img/*.jpg and <name>/groundtruth.txt)")
        self._images: list[list[Path]] = []
        boxes: list[np.ndarray] = []
        for seq_name in self.names:
            files = read_sequence_folder(self.root / seq_name)
            if files.video is not None:
                raise DatasetError(
                    f"{files.video}: videos are not cropped on the fly; run `siamban prepare VIDEOS {self.root} OUT` "
                    "and train on OUT/crop511 + OUT/train.json"
                )
            boxes.append(files.boxes)
            self._images.append([Path(p) for p in files.frames if isinstance(p, Path)])
        super().__init__(name, boxes, frame_range=frame_range, num_use=num_use, exemplar_size=exemplar_size)

    def sequence_name(self, seq: int) -> str:
        return f"{self.name}:{self.names[seq]}"

    def image(self, seq: int, frame: int) -> np.ndarray:
        return read_image(self._images[seq][frame])
