"""``siamban prepare``: a raw dataset release -> the prepared layout the official training code reads.

Output, under ``OUT_DIR``:
- ``crop511/<video>/<frame:06d>.<track:02d>.x.jpg``: the 511x511 SiamFC-context crop of every target
  (``siamban.data.crop.context_crop``);
- ``<split>.json``: the index ``{video: {"00": {"000000": [x1, y1, x2, y2], ...}}}``, boxes in original-image pixels;
- ``.prepare_<DATASET>.jsonl``: the journal, one line per finished unit (video or image). A re-run skips every unit
  in it and rebuilds the index from it; a crop written before a crash is kept (files are written to a temporary
  name, then renamed). Delete the journal to re-read the annotations;
- ``prepare_<DATASET>_problems.txt``: every malformed annotation and unreadable image, ``file:line: message``.
Units run in parallel processes. Zero-size boxes are dropped and counted.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Iterator

import cv2
import numpy as np

from siamban.io.annotations import Problem
from siamban.data.crop import CROP_SIZE, context_crop
from siamban.data.raw import FrameTargets, RawFormat, Unit, raw_format
from siamban.errors import DatasetError
from siamban.io.atomic import write_bytes_atomic, write_text_atomic
from siamban.progress import progress_bar

CROP_FOLDER = f"crop{CROP_SIZE}"


def crop_name(frame: int, track: int | str) -> str:
    """File name of a prepared crop: ``<frame:06d>.<track:02d>.x.jpg``."""
    track_key = track if isinstance(track, str) else f"{track:02d}"
    return f"{frame:06d}.{track_key}.x.jpg"


@dataclass
class PrepareSummary:
    """What one ``prepare`` run did (this run and the earlier ones its journal records)."""

    dataset: str
    unit_word: str
    out_dir: Path
    units: int = 0
    units_skipped: int = 0
    crops_written: int = 0
    crops_existing: int = 0
    boxes: int = 0
    dropped: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    index_files: dict[str, tuple[Path, int]] = field(default_factory=dict)
    problems_file: Path | None = None

    def report(self, max_problems: int = 20) -> list[str]:
        """Human-readable summary lines."""
        lines = [
            f"{self.dataset}: {self.units} {self.unit_word}s ({self.units - self.units_skipped} prepared now, "
            f"{self.units_skipped} done before); {self.crops_written} crops written, {self.crops_existing} already "
            f"there; {self.boxes} boxes indexed"
        ]
        if self.dropped:
            lines.append("dropped: " + ", ".join(f"{n} {reason}" for reason, n in sorted(self.dropped.items())))
        if self.problems:
            lines.append(
                f"{len(self.problems)} problems (malformed annotations, unreadable images), skipped; "
                f"all listed in {self.problems_file}:"
            )
            lines += [f"  {p}" for p in self.problems[:max_problems]]
            if len(self.problems) > max_problems:
                lines.append(f"  ... and {len(self.problems) - max_problems} more")
        for split, (path, videos) in sorted(self.index_files.items()):
            lines.append(f"index {split}: {path} ({videos} {self.unit_word}s)")
        return lines


def prepare_dataset(
    dataset: str,
    raw_dir: str | Path,
    out_dir: str | Path,
    workers: int | None = None,
    progress: bool = True,
    exemplar_size: int = 127,
) -> PrepareSummary:
    """Convert the raw release of ``dataset`` (VID, DET, COCO, YOUTUBEBB, GOT10K, LASOT) under ``raw_dir``."""
    fmt = raw_format(dataset)
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    if not raw_dir.is_dir():
        raise DatasetError(f"{raw_dir}: raw dataset folder not found (expected the {fmt.name} layout: {fmt.layout})")
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = PrepareSummary(fmt.name, fmt.unit_word, out_dir)
    units = fmt.units(raw_dir, summary.problems)
    summary.units = len(units)
    journal = out_dir / f".prepare_{fmt.name}.jsonl"
    listed = {(u.split, u.video) for u in units}
    records = {key: rec for key, rec in _read_journal(journal).items() if key in listed}
    todo = [u for u in units if (u.split, u.video) not in records]
    summary.units_skipped = len(units) - len(todo)
    bar = progress_bar(
        total=len(units), initial=summary.units_skipped, desc=f"prepare {fmt.name}", unit=fmt.unit_word,
        disable=not progress,
    )
    run = partial(_prepare_unit, fmt.name, str(out_dir / CROP_FOLDER), exemplar_size)
    with journal.open("a") as log, bar:
        for record in _map(run, todo, workers):
            log.write(json.dumps(record, separators=(",", ":")) + "\n")
            log.flush()
            records[(record["split"], record["video"])] = record
            summary.crops_written += record["written"]
            summary.crops_existing += record["existing"]
            bar.update(1)
    for record in records.values():
        summary.dropped.update(record["dropped"])
        summary.problems.extend(Problem(w, m) for w, m in record["problems"])
    _write_outputs(fmt, out_dir, units, records, summary)
    if summary.boxes == 0:
        where = f"; see {summary.problems_file}" if summary.problems_file else ""
        raise DatasetError(f"{raw_dir}: no usable {fmt.name} annotation found{where} (layout: {fmt.layout})")
    return summary


def _write_outputs(
    fmt: RawFormat, out_dir: Path, units: list[Unit], records: dict[tuple[str, str], dict], summary: PrepareSummary
) -> None:
    by_split: dict[str, dict[str, Any]] = {split: {} for split in sorted({u.split for u in units})}
    for (split, video), record in records.items():
        if record["tracks"]:
            by_split[split][video] = record["tracks"]
            summary.boxes += sum(len(frames) for frames in record["tracks"].values())
    for split, index in by_split.items():
        path = out_dir / fmt.index_name(split)
        write_text_atomic(path, json.dumps(index, sort_keys=True, indent=1))
        summary.index_files[split] = (path, len(index))
    problems_file = out_dir / f"prepare_{fmt.name}_problems.txt"
    if summary.problems:
        write_text_atomic(problems_file, "".join(f"{p}\n" for p in summary.problems))
        summary.problems_file = problems_file
    elif problems_file.exists():
        problems_file.unlink()


def _read_journal(path: Path) -> dict[tuple[str, str], dict]:
    """Records of finished units; a line cut short by a crash is ignored (that unit runs again)."""
    records: dict[tuple[str, str], dict] = {}
    if not path.is_file():
        return records
    with path.open() as f:
        for line in f:
            try:
                record = json.loads(line)
                records[(record["split"], record["video"])] = record
            except (ValueError, KeyError, TypeError):
                continue
    return records


def _map(func: Any, units: list[Unit], workers: int | None) -> Iterator[dict]:
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers <= 1 or len(units) <= 1:
        _init_worker()
        yield from map(func, units)
        return
    # spawn, not fork: a fork taken while OpenCV's or torch's thread pool holds a lock deadlocks the child
    context = multiprocessing.get_context("spawn")
    chunksize = max(1, min(32, len(units) // (workers * 8)))
    with context.Pool(min(workers, len(units)), initializer=_init_worker) as pool:
        yield from pool.imap_unordered(func, units, chunksize)


def _init_worker() -> None:
    cv2.setNumThreads(1)  # one process per core already


def _prepare_unit(dataset: str, crop_root: str, exemplar_size: int, unit: Unit) -> dict:
    """Crop every target of one unit (skipping crops already on disk); return its journal record."""
    fmt = raw_format(dataset)
    result = fmt.read(unit)
    video_dir = Path(crop_root) / unit.video
    _remove_partial_files(video_dir)
    problems, dropped = list(result.problems), Counter(result.dropped)
    tracks: dict[str, dict[str, list[float]]] = {}
    written = existing = 0

    def need(frame: FrameTargets) -> bool:
        return bool(
            frame.normalized or fmt.inside_frame_only
            or not all((video_dir / crop_name(frame.frame, t.track)).exists() for t in frame.targets)
        )

    for frame, image in fmt.frame_images(unit, result.frames, need):
        paths = [video_dir / crop_name(frame.frame, t.track) for t in frame.targets]
        if image is None and need(frame):
            state = "unreadable" if Path(frame.image).exists() or "#" in frame.image else "missing"
            problems.append(Problem(frame.image, f"{state} image (annotated at {frame.targets[0].where})"))
            continue
        for target, path in zip(frame.targets, paths):
            box = np.asarray(target.box, dtype=np.float64)
            if frame.normalized:
                assert image is not None  # need(frame) holds for a normalized frame: it was read
                box = box * np.array([image.shape[1], image.shape[0]] * 2)
            if not (box[2] > box[0] and box[3] > box[1]):
                dropped["zero-size boxes"] += 1
                continue
            if fmt.inside_frame_only:
                assert image is not None  # need(frame) holds for inside_frame_only: it was read
                if not _inside(box, image.shape):
                    dropped["boxes leaving the frame"] += 1
                    continue
            if path.exists():
                existing += 1
            else:
                video_dir.mkdir(parents=True, exist_ok=True)
                assert image is not None  # need(frame) holds while a crop is missing: it was read
                crop = context_crop(image, box, CROP_SIZE, exemplar_size)
                ok, data = cv2.imencode(".jpg", crop)
                if not ok:  # pragma: no cover - OpenCV always encodes a uint8 BGR image
                    problems.append(Problem(str(path), "JPEG encoding failed"))
                    continue
                write_bytes_atomic(path, data.tobytes(), durable=False)
                written += 1
            tracks.setdefault(f"{target.track:02d}", {})[f"{frame.frame:06d}"] = [_number(v) for v in box]
    return {
        "split": unit.split,
        "video": unit.video,
        "tracks": tracks,
        "problems": [[p.where, p.message] for p in problems],
        "written": written,
        "existing": existing,
        "dropped": dict(dropped),
    }


def _inside(box: np.ndarray, shape: tuple[int, ...]) -> bool:
    """The official GOT-10k/LaSOT rule: x1, y1 >= 0 and x2 <= width, y2 <= height."""
    return bool(box[0] >= 0 and box[1] >= 0 and box[2] <= shape[1] and box[3] <= shape[0])


def _number(value: float) -> float | int:
    value = float(value)
    return int(value) if value.is_integer() else round(value, 4)


def _remove_partial_files(video_dir: Path) -> None:
    """Temporary files a killed run left in ``video_dir``."""
    if video_dir.is_dir():
        for entry in os.scandir(video_dir):
            if entry.name.endswith(".tmp"):
                os.unlink(entry.path)
