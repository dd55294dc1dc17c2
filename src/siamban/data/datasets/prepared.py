"""The prepared layout (``crop511/`` + index JSON) that ``siamban prepare`` and the official scripts write."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from siamban.data.crop import box_in_context_crop
from siamban.data.datasets.base import TrackingDataset
from siamban.errors import DatasetError


class PreparedDataset(TrackingDataset):
    """Crops ``ROOT/<video>/<frame:06d>.<track>.x.jpg`` indexed by ``ANNO`` ``{video: {track: {frame: box}}}``.

    A box is ``[x1, y1, x2, y2]`` (or ``[w, h]``) in original-image pixels; boxes of zero width or height, and
    tracks and videos left empty, are dropped (the official ``_filter_zero``). In the crop the target is centred
    with size ``(w, h) * 127 / s_z``.
    """

    def __init__(
        self,
        name: str,
        root: str | Path,
        anno: str | Path,
        frame_range: int = 100,
        num_use: int = -1,
        exemplar_size: int = 127,
    ) -> None:
        super().__init__(name, frame_range, num_use, exemplar_size)
        self.root, self.anno = Path(root), Path(anno)
        if not self.anno.is_file():
            raise DatasetError(f"{name}: index file {self.anno} not found (run `siamban prepare {name} RAW OUT`)")
        if not self.root.is_dir():
            raise DatasetError(f"{name}: crop folder {self.root} not found (run `siamban prepare {name} RAW OUT`)")
        try:
            index = json.loads(self.anno.read_text())
        except (OSError, ValueError) as exc:
            raise DatasetError(f"{self.anno}: not a readable JSON index ({exc})") from None
        if not isinstance(index, dict):
            raise DatasetError(f"{self.anno}: expected {{video: {{track: {{frame: box}}}}}} at the top level")
        self.videos: list[str] = []
        self._tracks: list[list[str]] = []
        self._frames: list[list[np.ndarray]] = []
        self._sizes: list[list[np.ndarray]] = []
        for video, tracks in index.items():
            self._add_video(str(video), tracks)
        if not self.videos:
            raise DatasetError(f"{self.anno}: no usable box in the index")

    def _add_video(self, video: str, tracks: object) -> None:
        if not isinstance(tracks, dict):
            raise DatasetError(f"{self.anno}: video {video!r}: expected {{track: {{frame: box}}}}")
        names, frames_per_track, sizes_per_track = [], [], []
        for track, frames in tracks.items():
            if not isinstance(frames, dict):
                raise DatasetError(f"{self.anno}: {video}/{track}: expected {{frame: box}}")
            ids, sizes = [], []
            for frame, box in frames.items():
                if not str(frame).isdigit() or isinstance(box, dict):
                    continue  # official indexes may carry extra keys
                size = _box_size(box)
                if size is None:
                    raise DatasetError(f"{self.anno}: {video}/{track}/{frame}: box {box!r} is not 4 (or 2) numbers")
                if size[0] > 0 and size[1] > 0:
                    ids.append(int(frame))
                    sizes.append(size)
            if ids:
                order = np.argsort(ids, kind="stable")
                names.append(str(track))
                frames_per_track.append(np.asarray(ids, dtype=np.int64)[order])
                sizes_per_track.append(np.asarray(sizes, dtype=np.float64)[order])
        if names:
            self.videos.append(video)
            self._tracks.append(names)
            self._frames.append(frames_per_track)
            self._sizes.append(sizes_per_track)

    def num_sequences(self) -> int:
        return len(self.videos)

    def num_tracks(self, seq: int) -> int:
        return len(self._tracks[seq])

    def frames(self, seq: int, track: int = 0) -> np.ndarray:
        return self._frames[seq][track]

    def sequence_name(self, seq: int) -> str:
        return f"{self.name}:{self.videos[seq]}"

    def crop_path(self, seq: int, frame: int, track: int = 0) -> Path:
        return self.root / self.videos[seq] / f"{frame:06d}.{self._tracks[seq][track]}.x.jpg"

    def get(self, seq: int, frame: int, track: int = 0) -> tuple[np.ndarray, np.ndarray]:
        frames = self._frames[seq][track]
        pos = int(np.searchsorted(frames, frame))
        if pos >= len(frames) or frames[pos] != frame:
            raise DatasetError(f"{self.sequence_name(seq)} track {self._tracks[seq][track]}: no frame {frame}")
        path = self.crop_path(seq, frame, track)
        crop = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if crop is None:
            state = "unreadable" if path.exists() else "missing"
            raise DatasetError(f"{path}: {state} crop listed in {self.anno} (re-run `siamban prepare`)")
        return crop, box_in_context_crop(crop.shape, self._sizes[seq][track][pos], self.exemplar_size)


def _box_size(box: object) -> tuple[float, float] | None:
    """(w, h) of a ``[x1, y1, x2, y2]`` or ``[w, h]`` box, or None when it is neither."""
    if not isinstance(box, (list, tuple)) or len(box) not in (2, 4):
        return None
    try:
        values = [float(v) for v in box]
    except (TypeError, ValueError):
        return None
    if len(values) == 4:
        return values[2] - values[0], values[3] - values[1]
    return values[0], values[1]
