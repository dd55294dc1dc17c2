"""Sequences held in memory (frames + boxes), so that a generator can feed the pair sampler directly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from siamban.data.datasets.base import FullFrameDataset
from siamban.errors import DatasetError


@dataclass(frozen=True)
class MemorySequence:
    """Frames (HxWx3 BGR uint8 arrays) and their (x, y, w, h) boxes, one row per frame (NaN or w, h <= 0: absent)."""

    frames: Sequence[np.ndarray]
    boxes_xywh: np.ndarray
    name: str = ""


class MemoryDataset(FullFrameDataset):
    """A list of ``MemorySequence`` (or ``(frames, boxes_xywh)`` pairs), cropped on the fly like the others."""

    def __init__(
        self,
        name: str,
        sequences: Sequence[MemorySequence | tuple[Sequence[np.ndarray], np.ndarray]],
        frame_range: int = 100,
        num_use: int = -1,
        exemplar_size: int = 127,
    ) -> None:
        self.sequences = [s if isinstance(s, MemorySequence) else MemorySequence(*s) for s in sequences]
        for i, seq in enumerate(self.sequences):
            boxes = np.asarray(seq.boxes_xywh, dtype=np.float64)
            if boxes.ndim != 2 or boxes.shape[1] != 4 or len(boxes) != len(seq.frames):
                raise DatasetError(
                    f"{name}: sequence {i} has {len(seq.frames)} frames but boxes of shape {boxes.shape} "
                    f"(expected ({len(seq.frames)}, 4))"
                )
        boxes_list = [np.asarray(s.boxes_xywh, dtype=np.float64) for s in self.sequences]
        super().__init__(name, boxes_list, frame_range=frame_range, num_use=num_use, exemplar_size=exemplar_size)

    def sequence_name(self, seq: int) -> str:
        return f"{self.name}:{self.sequences[seq].name or seq}"

    def image(self, seq: int, frame: int) -> np.ndarray:
        image = self.sequences[seq].frames[frame]
        if not (isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8):
            raise DatasetError(f"{self.sequence_name(seq)} frame {frame}: expected an HxWx3 uint8 array")
        return image
