"""The one reader (and box-line writer) of annotation and result text: rows of numbers, ``groundtruth.txt`` box
lists, flags, image lists; ``format_box`` writes every box line the package writes.

Every text format the package reads (OTB/GOT-10k/LaSOT/UAV ``groundtruth.txt``, VOT polygons and tags, result files,
training ground truth) goes through ``number_rows``: values separated by commas, tabs, semicolons or spaces (mixed
within a file, as OTB has), trailing blank lines ignored. Two policies sit on it:

- ``read_annotation`` (benchmarks, results): strict; a malformed line raises the given error naming ``file:line``;
- ``read_groundtruth`` (training, ``prepare``): lenient; a malformed line becomes a NaN row and a ``Problem``, so
  one bad line costs one frame, not a whole dataset.

Absent targets: a row of ``nan`` values or a zero-size box (``0,0,0,0``) marks a frame without the target;
``valid_boxes`` tells usable rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from siamban.errors import DatasetError, SiamBANError
from siamban.io.frames import IMAGE_SUFFIXES, natural_key

SEPARATORS = re.compile(r"[,\t; ]+")


@dataclass(frozen=True)
class Problem:
    """A malformed annotation or unreadable image, skipped and reported: ``where`` is ``file:line`` or ``file``."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def split_numbers(text: str) -> list[float]:
    """The numbers of one line (ValueError when a field is not a number)."""
    return [float(p) for p in SEPARATORS.split(text.strip()) if p]


def number_rows(path: Path) -> Iterator[tuple[int, str, list[float] | None]]:
    """``(line number, stripped text, numbers or None when malformed)`` of every line up to the last non-blank one."""
    lines = Path(path).read_text(errors="replace").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        try:
            values: list[float] | None = split_numbers(text)
        except ValueError:
            values = None
        yield number, text, values


def read_rows(
    path: str | Path,
    columns: Sequence[int] = (4,),
    error: type[SiamBANError] = DatasetError,
    what: str = "annotation",
    finite: bool = False,
) -> list[list[float]]:
    """The number rows of a text file, strictly: blank lines skipped, every row one of the ``columns`` widths (and,
    with ``finite``, of finite numbers only: no ``nan`` or ``inf``).

    A missing or empty file, or a malformed line, raises ``error`` naming the file (and the 1-based line).
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: {what} file not found")
    rows: list[list[float]] = []
    for number, text, values in number_rows(path):
        if not text:
            continue
        if values is None:
            raise error(f"{path}:{number}: not a list of numbers: {text[:60]!r}")
        if len(values) not in columns:
            expected = " or ".join(str(c) for c in columns)
            raise error(f"{path}:{number}: expected {expected} values, got {len(values)}: {text[:60]!r}")
        if finite and not all(np.isfinite(values)):
            raise error(f"{path}:{number}: non-finite value (nan or inf): {text[:60]!r}")
        rows.append(values)
    if not rows:
        raise error(f"{path}: holds no {what}")
    return rows


def read_annotation(
    path: str | Path,
    columns: Sequence[int] = (4,),
    allow_nan: bool = True,
    error: type[SiamBANError] = DatasetError,
    what: str = "annotation",
) -> np.ndarray:
    """Read a text file of number rows into an ``(N, C)`` float array, strictly (``read_rows``).

    Every row must have the same width; NaN rows are kept when ``allow_nan``, else refused like malformed lines.
    """
    rows = read_rows(path, columns, error, what, finite=not allow_nan)
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        first = len(rows[0])
        number = next(i for i, r in enumerate(rows, 1) if len(r) != first)
        raise error(f"{path}: row {number} has {len(rows[number - 1])} values where earlier rows have {first}")
    return np.asarray(rows, dtype=np.float64)


def read_groundtruth(path: str | Path) -> tuple[np.ndarray, list[Problem]]:
    """Read ``x,y,w,h`` lines into an (N, 4) float64 array, one row per line (frame), leniently.

    Malformed lines become NaN rows and a Problem each; trailing blank lines are ignored. Absent-target rows
    (NaN values) are kept as NaN without a Problem; use ``valid_boxes`` to tell usable rows.
    """
    path = Path(path)
    rows = list(number_rows(path))
    boxes = np.full((len(rows), 4), np.nan, dtype=np.float64)
    problems: list[Problem] = []
    for number, text, values in rows:
        if values is None or len(values) != 4:
            problems.append(Problem(f"{path}:{number}", f"expected four numbers x,y,w,h, got {text!r}"))
            continue
        boxes[number - 1] = values
    return boxes, problems


def format_box(box: Sequence[float], decimals: int = 4) -> str:
    """One box line as every file the package writes has it: comma-separated, ``decimals`` fixed digits; a box with
    a NaN (an absent target) as ``0,0,0,0``, which ``valid_boxes`` reads back as absent."""
    values = [float(v) for v in box]
    if any(np.isnan(values)):
        return ",".join("0" for _ in values)
    return ",".join(f"{v:.{decimals}f}" for v in values)


def valid_boxes(boxes_xywh: np.ndarray) -> np.ndarray:
    """Boolean mask of rows that are finite with positive width and height (zero-size boxes are dropped)."""
    boxes_xywh = np.asarray(boxes_xywh, dtype=np.float64)
    finite = np.all(np.isfinite(boxes_xywh), axis=-1)
    with np.errstate(invalid="ignore"):
        return finite & (boxes_xywh[..., 2] > 0) & (boxes_xywh[..., 3] > 0)


def read_flags(path: str | Path, count: int | None = None) -> np.ndarray:
    """Read a per-frame 0/1 flag file (one value per line, or comma-separated on one line) as a bool array."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: flag file not found")
    values: list[bool] = []
    for number, text, row in number_rows(path):
        if row is None:
            bad = next(p for p in SEPARATORS.split(text) if p and not _is_number(p))
            raise DatasetError(f"{path}:{number}: not a 0/1 flag: {bad!r}")
        values.extend(v != 0 for v in row)
    flags = np.asarray(values, dtype=bool)
    if count is not None and len(flags) != count:
        raise DatasetError(f"{path}: {len(flags)} flags for {count} frames")
    return flags


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def list_images(folder: str | Path, required: bool = True) -> list[Path]:
    """The image files directly inside ``folder``, in natural order (``2.jpg`` before ``10.jpg``).

    With ``required``, a missing folder or one without images raises DatasetError; otherwise it gives ``[]``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        if required:
            raise DatasetError(f"{folder}: frame folder not found")
        return []
    paths = sorted(
        (p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()), key=natural_key
    )
    if not paths and required:
        raise DatasetError(f"{folder}: holds no images")
    return paths


def read_list(path: str | Path) -> list[str]:
    """A ``list.txt``-style file: one name per non-blank line."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: sequence list not found")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]
