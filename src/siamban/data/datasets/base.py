"""One interface for every source of training pairs, so the pair sampler never knows which dataset it reads."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from siamban.io.annotations import valid_boxes
from siamban.data.crop import CROP_SIZE, box_in_context_crop, context_crop
from siamban.errors import DatasetError


class TrackingDataset(ABC):
    """Annotated sequences (videos, or still images as one-frame videos) to draw training pairs from.

    Sequences are numbered ``0 .. num_sequences() - 1``; each has one or more tracks (targets), each with its own
    sorted valid frame ids. ``get`` returns the 511x511 SiamFC-context crop around the target (BGR uint8) and the
    target box (x1, y1, x2, y2) in crop pixels. ``frame_range`` bounds the template-search frame distance (in
    positions of the sorted frame list); ``num_use`` is how many sequences one epoch takes (-1: all, as
    officially).
    """

    def __init__(self, name: str, frame_range: int = 100, num_use: int = -1, exemplar_size: int = 127) -> None:
        self.name = name
        self.frame_range = int(frame_range)
        self.num_use = int(num_use)
        self.exemplar_size = int(exemplar_size)

    @abstractmethod
    def num_sequences(self) -> int:
        """Number of sequences."""

    def num_tracks(self, seq: int) -> int:
        """Number of tracks (targets) in sequence ``seq``."""
        return 1

    @abstractmethod
    def frames(self, seq: int, track: int = 0) -> np.ndarray:
        """Sorted ids of the frames of ``seq`` where ``track`` has a usable box."""

    @abstractmethod
    def get(self, seq: int, frame: int, track: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(511x511x3 BGR uint8 crop, float64 box x1, y1, x2, y2 in crop pixels) of one target in one frame."""

    def sequence_name(self, seq: int) -> str:
        return f"{self.name}[{seq}]"

    @property
    def epoch_count(self) -> int:
        """Sequences per epoch: ``num_use``, or every sequence when it is -1."""
        return self.num_sequences() if self.num_use < 0 else self.num_use

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, sequences={self.num_sequences()}, "
            f"frame_range={self.frame_range}, num_use={self.num_use})"
        )


class FullFrameDataset(TrackingDataset):
    """Sequences of whole frames with (x, y, w, h) boxes, cropped on the fly exactly as ``prepare`` crops them."""

    def __init__(self, name: str, boxes_xywh: list[np.ndarray], **kwargs: int) -> None:
        super().__init__(name, **kwargs)
        self._boxes: list[np.ndarray] = []
        self._frames: list[np.ndarray] = []
        for seq, boxes in enumerate(boxes_xywh):
            boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
            self._boxes.append(boxes)
            self._frames.append(np.flatnonzero(valid_boxes(boxes)))
            if len(self._frames[-1]) == 0:
                raise DatasetError(f"{self.sequence_name(seq)}: no frame with a usable box")

    @abstractmethod
    def image(self, seq: int, frame: int) -> np.ndarray:
        """Frame ``frame`` of sequence ``seq`` as HxWx3 BGR uint8."""

    def num_sequences(self) -> int:
        return len(self._boxes)

    def frames(self, seq: int, track: int = 0) -> np.ndarray:
        return self._frames[seq]

    def box_xyxy(self, seq: int, frame: int) -> np.ndarray:
        x, y, w, h = self._boxes[seq][frame]
        if not (w > 0 and h > 0):
            raise DatasetError(f"{self.sequence_name(seq)} frame {frame}: no usable box ({[x, y, w, h]})")
        return np.array([x, y, x + w, y + h])

    def get(self, seq: int, frame: int, track: int = 0) -> tuple[np.ndarray, np.ndarray]:
        box = self.box_xyxy(seq, frame)
        crop = context_crop(self.image(seq, frame), box, CROP_SIZE, self.exemplar_size)
        return crop, box_in_context_crop(crop.shape, box[2:] - box[:2], self.exemplar_size)
