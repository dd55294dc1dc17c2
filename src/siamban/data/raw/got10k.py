"""GOT-10k: ``RAW/train/<sequence>/{00000001.jpg, ..., groundtruth.txt}`` and the same under ``RAW/val``.

Index files ``train.json`` and ``val.json``; video keys are the sequence paths relative to RAW (``train/
GOT-10k_Train_000001``). As in the official ``gen_json.py``, boxes that leave the frame are dropped. Sequences
may sit one folder deeper (the official scripts' ``train_data/<part>/<sequence>`` arrangement also works).
"""

from __future__ import annotations

from pathlib import Path

from siamban.io.annotations import Problem
from siamban.data.raw.base import RawFormat, ReadResult, Unit, find_sequence_dirs, read_groundtruth_sequence

#: Split folder names of the release (and of the official scripts' arrangement) -> index split.
SPLIT_FOLDERS = {"train": "train", "train_data": "train", "val": "val", "val_data": "val"}


class Got10k(RawFormat):
    name = "GOT10K"
    layout = "RAW/train/GOT-10k_Train_000001/{00000001.jpg, ..., groundtruth.txt} (and RAW/val/...)"
    inside_frame_only = True

    def units(self, raw_dir: Path, problems: list[Problem]) -> list[Unit]:
        units = []
        for folder, split in SPLIT_FOLDERS.items():
            if not (raw_dir / folder).is_dir():
                continue
            for seq_dir in find_sequence_dirs(raw_dir / folder):
                units.append(Unit(split, seq_dir.relative_to(raw_dir).as_posix(), (str(seq_dir),)))
        if not units:
            raise self.missing_layout(raw_dir, "no sequence with a groundtruth.txt under train/ or val/")
        return units

    def read(self, unit: Unit) -> ReadResult:
        seq_dir = Path(unit.sources[0])
        return read_groundtruth_sequence(seq_dir, seq_dir)
