"""LaSOT: ``RAW/<category>/<category>-<n>/{img/00000001.jpg, ..., groundtruth.txt}``.

Video keys are ``<category>/<category>-<n>``. Sequences named in ``RAW/testing_set.txt`` (one name a line, as in the
official release) go to ``val.json``, the others to ``train.json``. As in the official ``gen_json.py``, boxes that
leave the frame are dropped (LaSOT marks absent targets with ``0,0,0,0``, dropped as zero-size).
"""

from __future__ import annotations

from pathlib import Path

from siamban.io.annotations import Problem
from siamban.data.raw.base import RawFormat, ReadResult, Unit, find_sequence_dirs, read_groundtruth_sequence


class Lasot(RawFormat):
    name = "LASOT"
    layout = "RAW/<category>/<category>-<n>/{img/00000001.jpg, ..., groundtruth.txt}, optional RAW/testing_set.txt"
    inside_frame_only = True

    def units(self, raw_dir: Path, problems: list[Problem]) -> list[Unit]:
        test_list = raw_dir / "testing_set.txt"
        test_names = set(test_list.read_text().split()) if test_list.is_file() else set()
        units = []
        for seq_dir in find_sequence_dirs(raw_dir):
            split = "val" if seq_dir.name in test_names else "train"
            units.append(Unit(split, seq_dir.relative_to(raw_dir).as_posix(), (str(seq_dir),)))
        if not units:
            raise self.missing_layout(raw_dir, "no sequence with a groundtruth.txt")
        return units

    def read(self, unit: Unit) -> ReadResult:
        seq_dir = Path(unit.sources[0])
        return read_groundtruth_sequence(seq_dir, seq_dir / "img")
