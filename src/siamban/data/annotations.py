"""Annotation files shared by several dataset formats: ``groundtruth.txt`` box lists, and problem reports.

``groundtruth.txt`` (OTB, GOT-10k, LaSOT) holds one ``x,y,w,h`` line per frame, separated by commas, tabs or
spaces. A line of ``nan`` values (or ``0,0,0,0``) marks a frame without the target; a line that is not four
numbers is malformed and reported with its file and line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siamban.io.frames import IMAGE_SUFFIXES, natural_key

_SEPARATORS = re.compile(r"[,\t ;]+")


@dataclass(frozen=True)
class Problem:
    """A malformed annotation or unreadable image, skipped and reported: ``where`` is ``file:line`` or ``file``."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def read_groundtruth(path: str | Path) -> tuple[np.ndarray, list[Problem]]:
    """Read ``x,y,w,h`` lines into an (N, 4) float64 array, one row per line (frame).

    Malformed lines become NaN rows and a Problem each; trailing blank lines are ignored. Absent-target rows
    (NaN values) are kept as NaN without a Problem; use ``valid_boxes`` to tell usable rows.
    """
    path = Path(path)
    lines = path.read_text(errors="replace").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    boxes = np.full((len(lines), 4), np.nan, dtype=np.float64)
    problems: list[Problem] = []
    for number, line in enumerate(lines, start=1):
        parts = [p for p in _SEPARATORS.split(line.strip()) if p]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            values = []
        if len(values) != 4:
            problems.append(Problem(f"{path}:{number}", f"expected four numbers x,y,w,h, got {line.strip()!r}"))
            continue
        boxes[number - 1] = values
    return boxes, problems


def valid_boxes(boxes_xywh: np.ndarray) -> np.ndarray:
    """Boolean mask of rows that are finite with positive width and height (zero-size boxes are dropped)."""
    boxes_xywh = np.asarray(boxes_xywh, dtype=np.float64)
    finite = np.all(np.isfinite(boxes_xywh), axis=-1)
    with np.errstate(invalid="ignore"):
        return finite & (boxes_xywh[..., 2] > 0) & (boxes_xywh[..., 3] > 0)


def list_images(folder: Path) -> list[Path]:
    """Image files directly inside ``folder``, in natural order (``2.jpg`` before ``10.jpg``)."""
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()), key=natural_key
    )
