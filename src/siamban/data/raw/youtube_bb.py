"""YouTube-BoundingBoxes: the detection CSVs and the frames extracted from the videos.

``RAW/yt_bb_detection_train.csv`` (and ``yt_bb_detection_validation.csv``): no header, one row per annotated
frame: ``youtube_id, timestamp_ms, class_id, class_name, object_id, object_presence, xmin, xmax, ymin, ymax`` with
box edges as fractions of the frame size. Frames, as the official download utility writes them:
``RAW/yt_bb_detection_train/<class_id>/<youtube_id>_<timestamp_ms>_<class_id>_<object_id>.jpg``.

Video keys are ``yt_bb_detection_train/<class_id>/<youtube_id>``, frames ``timestamp_ms // 1000``, tracks
``object_id``; rows marked ``absent`` or with a negative or inverted box are dropped, as officially. The index
(``train.json`` / ``val.json``) holds boxes in frame pixels (the official ``gen_json.py`` stored the fractions).
The CSVs are large (millions of rows): the main process only groups rows by video (byte offsets); workers parse.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from pathlib import Path

from siamban.io.annotations import Problem
from siamban.data.raw.base import FrameTargets, RawFormat, ReadResult, Target, Unit

#: CSV name -> index split.
SUBSETS = {"yt_bb_detection_train": "train", "yt_bb_detection_validation": "val"}
COLUMNS = 10


class YoutubeBB(RawFormat):
    name = "YOUTUBEBB"
    layout = (
        "RAW/yt_bb_detection_train.csv and RAW/yt_bb_detection_train/<class_id>/"
        "<youtube_id>_<timestamp_ms>_<class_id>_<object_id>.jpg (likewise yt_bb_detection_validation)"
    )

    def units(self, raw_dir: Path, problems: list[Problem]) -> list[Unit]:
        units = []
        for subset, split in SUBSETS.items():
            csv_path = raw_dir / f"{subset}.csv"
            if csv_path.is_file():
                units.extend(_group_rows(csv_path, subset, split, problems))
        if not units and not any((raw_dir / f"{s}.csv").is_file() for s in SUBSETS):
            raise self.missing_layout(raw_dir, "no yt_bb_detection_*.csv (unpack the .csv.gz files)")
        return units

    def read(self, unit: Unit) -> ReadResult:
        csv_path = Path(unit.sources[0])
        subset = csv_path.stem
        result = ReadResult([])
        assert unit.rows is not None
        with csv_path.open("rb") as f:
            for i in range(0, len(unit.rows), 2):
                offset, number = unit.rows[i], unit.rows[i + 1]
                f.seek(offset)
                line = f.readline().decode("utf-8", errors="replace").strip()
                where = f"{csv_path}:{number}"
                fields = [p.strip() for p in line.split(",")]
                try:
                    if len(fields) != COLUMNS:
                        raise ValueError(f"expected {COLUMNS} comma-separated fields, got {len(fields)}")
                    youtube_id, timestamp, class_id, _, object_id, presence = fields[:6]
                    xmin, xmax, ymin, ymax = (float(v) for v in fields[6:])
                    timestamp_ms, track = int(timestamp), int(object_id)
                except ValueError as exc:
                    result.problems.append(Problem(where, f"malformed row ({exc}): {line[:80]!r}"))
                    continue
                if presence == "absent":
                    result.dropped["YouTube-BB rows marked absent"] += 1
                    continue
                if min(xmin, xmax, ymin, ymax) < 0 or xmax < xmin or ymax < ymin:
                    result.dropped["YouTube-BB negative or inverted boxes"] += 1
                    continue
                image = csv_path.parent / subset / class_id / f"{youtube_id}_{timestamp}_{class_id}_{object_id}.jpg"
                target = Target(track, (xmin, ymin, xmax, ymax), where)
                result.frames.append(FrameTargets(str(image), timestamp_ms // 1000, [target], normalized=True))
        return result


def _group_rows(csv_path: Path, subset: str, split: str, problems: list[Problem]) -> list[Unit]:
    """Units of one CSV: the byte offset and line number of every row, grouped by (class_id, youtube_id)."""
    groups: dict[tuple[str, str], array] = defaultdict(lambda: array("q"))
    offset = 0
    with csv_path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            parts = raw.split(b",", 3)
            if len(parts) < 4 or not raw.strip():
                if raw.strip():
                    problems.append(Problem(f"{csv_path}:{number}", f"malformed row: {raw[:80]!r}"))
                offset += len(raw)
                continue
            key = (parts[2].strip().decode("utf-8", "replace"), parts[0].strip().decode("utf-8", "replace"))
            rows = groups[key]
            rows.append(offset)
            rows.append(number)
            offset += len(raw)
    return [
        Unit(split, f"{subset}/{class_id}/{youtube_id}", (str(csv_path),), rows=rows)
        for (class_id, youtube_id), rows in sorted(groups.items())
    ]
