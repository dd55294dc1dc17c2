"""Result files in pysot-toolkit's layout (so pysot-toolkit, the GOT-10k toolkit or ``siamban eval`` can score them):

- one-pass: ``<results>/<Dataset>/<tracker>/<video>.txt``, one ``x,y,w,h`` line per frame (the first is the initial
  box), and ``<tracker>/times/<video>_time.txt`` (seconds per frame, the GOT-10k toolkit's OTB layout);
- VOT: ``<results>/<Dataset>/<tracker>/<experiment>/<video>/<video>_001.txt`` with lines ``1`` (initialised), ``2``
  (failure), ``0`` (skipped) or ``x,y,w,h``, and ``<video>_time.txt``; ``experiment`` is ``baseline`` or ``realtime``;
- GOT-10k: ``<results>/GOT-10k/<tracker>/<video>/<video>_001.txt`` (comma-separated boxes) and ``<video>_time.txt``,
  the files the evaluation server expects.

Every file is written to a temporary name and renamed, so an interrupted run never leaves a half file that a resumed
run would take for finished.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterable, Sequence as Seq

import numpy as np

from siamban.evaluation.datasets.base import Benchmark, Sequence
from siamban.errors import InputError
from siamban.io.annotations import format_box, read_rows
from siamban.io.archive import read_zip_texts
from siamban.io.atomic import atomic_path, write_text_atomic


def tracker_dir(results_dir: Path, dataset: str, tracker: str) -> Path:
    return Path(results_dir) / dataset / tracker


def result_paths(
    benchmark: Benchmark, results_dir: Path, tracker: str, seq: Sequence, experiment: str = "baseline"
) -> tuple[Path, Path]:
    """(result file, time file) of ``seq`` for ``benchmark``'s protocol."""
    root = tracker_dir(results_dir, benchmark.name, tracker)
    if benchmark.protocol == "vot":
        folder = root / experiment / seq.name
        return folder / f"{seq.name}_001.txt", folder / f"{seq.name}_time.txt"
    if benchmark.protocol == "got10k":
        folder = root / seq.name
        return folder / f"{seq.name}_001.txt", folder / f"{seq.name}_time.txt"
    return root / f"{seq.name}.txt", root / "times" / f"{seq.name}_time.txt"


def write_boxes(path: Path, boxes: np.ndarray) -> None:
    write_text_atomic(path, "".join(format_box(b) + "\n" for b in np.asarray(boxes)))


def write_times(path: Path, times: Iterable[float]) -> None:
    write_text_atomic(path, "".join(f"{t:.6f}\n" for t in times))


def write_trajectory(path: Path, trajectory: Seq[Seq[float]]) -> None:
    """A VOT trajectory: codes as integers, regions as comma-separated floats."""
    lines = [f"{int(r[0])}" if len(r) == 1 else format_box(r) for r in trajectory]
    write_text_atomic(path, "".join(line + "\n" for line in lines))


VOT_CODES = (0.0, 1.0, 2.0)  # skipped, initialised, failure
#: No result line (8 polygon values at full float precision) is longer: a larger file is refused unread.
MAX_RESULT_LINE_BYTES = 256


def read_result(path: Path, protocol: str, frames: int | None = None) -> list[list[float]]:
    """The rows of one result file, validated as ``siamban eval`` scores it and as a resumed ``siamban test`` counts
    it done: finite numbers only (no protocol marks a missing prediction with ``nan``: an absent target is
    ``0,0,0,0``, VOT uses codes), 4 per line (VOT: also a code ``0``/``1``/``2``, or a 6- or 8-value polygon), and,
    when ``frames`` is given, one line per frame. InputError names ``file:line``."""
    path = Path(path)
    vot = protocol == "vot"
    if frames is not None and path.is_file() and path.stat().st_size > MAX_RESULT_LINE_BYTES * (frames + 1):
        raise InputError(f"{path}: {path.stat().st_size} bytes, far too long for {frames} frames")
    rows = read_rows(path, (1, 4, 6, 8) if vot else (4,), InputError, "result", finite=True)
    if vot:
        for index, row in enumerate(rows):
            if len(row) == 1 and row[0] not in VOT_CODES:
                number = _line_number(path, index)
                raise InputError(f"{path}:{number}: VOT code {row[0]:g} is none of 0 (skipped), 1 (initialised), "
                                 "2 (failure)")
    if frames is not None and len(rows) != frames:
        raise InputError(f"{path}: {len(rows)} lines for {frames} frames")
    return rows


def _line_number(path: Path, row: int) -> int:
    """The 1-based line of the ``row``-th non-blank line of ``path`` (for messages)."""
    lines = [n for n, line in enumerate(Path(path).read_text(errors="replace").splitlines(), 1) if line.strip()]
    return lines[row] if row < len(lines) else row + 1


def read_boxes(path: Path, frames: int | None = None) -> np.ndarray:
    """A one-pass result file as an (N, 4) array (comma, tab or space separated), validated by ``read_result``."""
    return np.asarray(read_result(path, "ope", frames), dtype=np.float64)


def read_trajectory(path: Path, frames: int | None = None) -> list[list[float]]:
    """A VOT result file as a list of codes ``[1]``/``[0]``/``[2]`` and regions, validated by ``read_result``."""
    return read_result(path, "vot", frames)


def read_vot_repetitions(folder: Path, name: str, frames: int | None = None) -> list[list[list[float]]]:
    """All repetitions ``<name>_001.txt``, ``<name>_002.txt`` ... of a VOT sequence (pysot-toolkit reads the first,
    or all 15 when there are 15), each checked to have ``frames`` lines when given."""
    files = sorted(Path(folder).glob(f"{name}_[0-9][0-9][0-9].txt"))
    if not files:
        raise InputError(f"{folder / (name + '_001.txt')}: result file not found")
    if len(files) != 15:
        files = files[:1]
    return [read_trajectory(f, frames) for f in files]


def read_times(path: Path) -> np.ndarray | None:
    path = Path(path)
    if not path.is_file():
        return None
    values = []
    for line in path.read_text().splitlines():
        for part in re.split(r"[,\t ]+", line.strip()):
            if part:
                try:
                    values.append(float(part))
                except ValueError:
                    return None
    return np.asarray(values)


def list_trackers(results_dir: Path, dataset: str) -> list[str]:
    """Tracker folders under ``<results>/<dataset>``."""
    folder = Path(results_dir) / dataset
    if not folder.is_dir():
        raise InputError(f"{folder}: no results for {dataset} (run `siamban test` first)")
    names = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not names:
        raise InputError(f"{folder}: holds no tracker folder")
    return names


# ----------------------------------------------------------------------------------------------------------------------
# GOT-10k submission check

SUBMISSION_FILES = "<seq>/<seq>_001.txt and <seq>/<seq>_time.txt"
_GOT_NAME = re.compile(r"^(?P<video>[^/]+)/(?P=video)_(?P<kind>\d{3}|time)\.txt$")


def _submission_files(path: Path) -> dict[str, str]:
    """Relative path -> text of every file of a submission folder or zip (a single top folder is looked through)."""
    path = Path(path)
    files: dict[str, str] = {}
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                files[p.relative_to(path).as_posix()] = p.read_text(errors="replace")
    elif path.is_file() and zipfile.is_zipfile(path):
        files = {name.lstrip("./"): text for name, text in read_zip_texts(path).items()}
    else:
        raise InputError(f"{path}: neither a folder nor a zip file")
    files = {k: v for k, v in files.items() if not k.split("/")[-1].startswith(".") and "__MACOSX" not in k}
    tops = {k.split("/")[0] for k in files}
    if len(tops) == 1 and all(k.count("/") == 2 for k in files):  # zipped with the tracker folder on top
        files = {k.split("/", 1)[1]: v for k, v in files.items()}
    return files


def check_submission(path: Path, benchmark: Benchmark | None = None) -> tuple[list[str], int]:
    """Validate a GOT-10k submission; return (problems, number of sequences checked).

    Checks names (``<video>/<video>_001.txt``, ``<video>_time.txt``), that every listed test video is present (when
    ``benchmark`` is given), comma separators, four finite numbers per line with positive size, one line per frame,
    and that time files match the box files' lengths.
    """
    files = _submission_files(Path(path))
    problems: list[str] = []
    videos: dict[str, dict[str, str]] = {}
    for name, text in files.items():
        m = _GOT_NAME.match(name)
        if not m:
            problems.append(f"{name}: unexpected file (expected <video>/<video>_001.txt and <video>/<video>_time.txt)")
            continue
        videos.setdefault(m["video"], {})[m["kind"]] = text
    expected = {s.name: len(s) for s in benchmark} if benchmark is not None else {}
    if benchmark is None and not videos:
        problems.append(f"holds no result files: a submission needs {SUBMISSION_FILES} for every test sequence "
                        "(with --dataset-root: checked against the split's list)")
    if benchmark is not None:
        missing = [v for v in expected if v not in videos]
        if missing:
            problems.append(f"{len(missing)} of {len(expected)} sequences missing, each needs {SUBMISSION_FILES} "
                            f"(first: {missing[0]})")
        extra = [v for v in videos if v not in expected]
        if extra:
            problems.append(f"{len(extra)} sequences not in {benchmark.name} (first: {extra[0]})")
    for video, kinds in sorted(videos.items()):
        runs = sorted(k for k in kinds if k != "time")
        if "001" not in runs:
            problems.append(f"{video}/{video}_001.txt: missing")
        lengths = set()
        for run in runs:
            where = f"{video}/{video}_{run}.txt"
            lines = [line for line in kinds[run].splitlines() if line.strip()]
            lengths.add(len(lines))
            for number, line in enumerate(lines, 1):
                if "," not in line:
                    problems.append(f"{where}:{number}: values must be comma-separated, got {line.strip()[:40]!r}")
                    break
                parts = line.split(",")
                try:
                    values = [float(p) for p in parts]
                except ValueError:
                    problems.append(f"{where}:{number}: not numbers: {line.strip()[:40]!r}")
                    break
                if len(values) != 4:
                    problems.append(f"{where}:{number}: expected 4 values x,y,w,h, got {len(values)}")
                    break
                if not all(np.isfinite(values)) or values[2] <= 0 or values[3] <= 0:
                    problems.append(f"{where}:{number}: box {line.strip()[:40]!r} is not finite with positive size")
                    break
            if video in expected and len(lines) != expected[video]:
                problems.append(f"{where}: {len(lines)} lines for {expected[video]} frames")
        if "time" not in kinds:
            problems.append(f"{video}/{video}_time.txt: missing")
        else:
            time_lines = [line for line in kinds["time"].splitlines() if line.strip()]
            if lengths and len(time_lines) not in lengths:
                problems.append(f"{video}/{video}_time.txt: {len(time_lines)} lines for {max(lengths)} frames")
            for number, line in enumerate(time_lines, 1):  # one column per repetition, as the toolkit writes them
                try:
                    ok = all(float(p) >= 0 for p in line.split(","))
                except ValueError:
                    ok = False
                if not ok:
                    problems.append(f"{video}/{video}_time.txt:{number}: not comma-separated non-negative seconds: "
                                    f"{line.strip()[:40]!r}")
                    break
    return problems, len(videos)


def make_submission(folder: Path) -> Path:
    """Zip a GOT-10k result folder (``<video>/<video>_001.txt`` ... at the archive's top, as the GOT-10k toolkit
    packs it) into ``<folder>.zip`` next to it; return the archive's path."""
    folder = Path(folder)
    archive = folder.with_suffix(".zip")
    with atomic_path(archive) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*.txt")):
            z.write(path, path.relative_to(folder).as_posix())
    return archive
