"""The one reader of annotated sequence folders, for training and for benchmarks alike.

A folder of sequences holds, per sequence, either

- the OTB layout: ``<name>/img/*.jpg`` (or images directly in ``<name>/``) and ``<name>/groundtruth.txt`` (or
  ``groundtruth_rect.txt``), one ``x,y,w,h`` line per image in natural name order; or
- a video: ``<name>/video.mp4`` (or ``.avi``, ``.mkv``, ``.mov``) and ``<name>/groundtruth.txt``, one line per
  decoded frame; ``0,0,0,0`` (or NaN) marks a frame where the target is absent.

Rules, the same for every caller: the line count must equal the frame count (a video's frames are counted by
decoding it, as its header can be wrong); a malformed line is an error naming ``file:line``. An optional
``<root>/index.json`` maps names to ``{"frames": N, "first_box": [...], "size": [w, h], "role": ...}``: it lists
the sequences, and its ``role`` (``train``, ``val``, ``heldout``) says what each may be used for. Without it, every
sub-folder that looks like a sequence (a ground-truth, ``img`` or ``video.*`` entry, or images) is one, and one that
is malformed (``groundtruth.txt`` a folder, ``img`` a file, no frames) is a DatasetError naming it, not skipped.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siamban.errors import DatasetError
from siamban.io.annotations import list_images, read_annotation
from siamban.io.frames import natural_key
from siamban.io.video_frames import VideoFrame, count_frames, video_frames

ANNOTATION_NAMES = ("groundtruth.txt", "groundtruth_rect.txt")
VIDEO_NAMES = ("video.mp4", "video.avi", "video.mkv", "video.mov")


@dataclass
class SequenceFiles:
    """One annotated sequence on disk: its frames (image paths or ``VideoFrame``s) and one box row per frame."""

    name: str
    frames: list[Path] | list[VideoFrame]
    boxes: np.ndarray
    annotation: Path
    video: Path | None = None

    def __len__(self) -> int:
        return len(self.frames)


def find_annotation(folder: Path) -> Path | None:
    """The ground-truth file of a sequence folder, or None."""
    return next((folder / n for n in ANNOTATION_NAMES if (folder / n).is_file()), None)


def find_video(folder: Path) -> Path | None:
    """The ``video.*`` file of a video sequence folder, or None."""
    return next((folder / n for n in VIDEO_NAMES if (folder / n).is_file()), None)


def is_sequence_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a ground-truth file and frames (``img/``, images or a video)."""
    return not sequence_folder_problem(folder)


def looks_like_sequence_folder(folder: Path) -> bool:
    """Whether ``folder`` has anything of a sequence folder (a ground-truth, ``img`` or ``video.*`` entry of any
    kind, or images): such a folder that is not a readable sequence is an error, not something to skip."""
    names = (*ANNOTATION_NAMES, *VIDEO_NAMES, "img")
    return any(os.path.lexists(folder / n) for n in names) or bool(list_images(folder, required=False))


def sequence_folder_problem(folder: Path) -> str:
    """What keeps ``folder`` from being a sequence folder ("" when nothing does), as the end of a message."""
    if find_annotation(folder) is None:
        odd = [n for n in ANNOTATION_NAMES if os.path.lexists(folder / n)]
        if odd:
            return f"{odd[0]} is not a readable file (a folder or a broken link?)"
        return f"no {' or '.join(ANNOTATION_NAMES)}"
    if find_video(folder) is not None or (folder / "img").is_dir():
        return ""
    odd = [n for n in (*VIDEO_NAMES, "img") if os.path.lexists(folder / n)]
    if odd:
        kind = "folder" if odd[0] == "img" else "readable file"
        return f"{odd[0]} is not a {kind}, so the sequence has no frames"
    if not list_images(folder, required=False):
        return "no frames (expected img/*.jpg, images beside the ground truth, or video.mp4)"
    return ""


def read_sequence_folder(folder: str | Path) -> SequenceFiles:
    """Read one sequence folder (images or video), checking that boxes and frames match one to one."""
    folder = Path(folder)
    problem = sequence_folder_problem(folder)
    if problem:
        raise DatasetError(f"{folder}: {problem}")
    anno = find_annotation(folder)
    assert anno is not None  # sequence_folder_problem says so otherwise
    boxes = read_annotation(anno, columns=(4,))
    video = find_video(folder)
    if video is not None:
        decoded = count_frames(video)
        if decoded != len(boxes):
            raise DatasetError(f"{video}: {decoded} frames decoded but {anno.name} has {len(boxes)} box lines")
        return SequenceFiles(folder.name, video_frames(video, decoded), boxes, anno, video)
    image_dir = folder / "img" if (folder / "img").is_dir() else folder
    frames = list_images(image_dir)
    if len(frames) != len(boxes):
        raise DatasetError(f"{anno}: {len(boxes)} boxes for {len(frames)} images in {image_dir}")
    return SequenceFiles(folder.name, frames, boxes, anno)


def read_index(path: str | Path) -> dict[str, dict]:
    """``index.json`` as ``{name: entry}``, or DatasetError naming the file and what is wrong."""
    path = Path(path)
    try:
        index = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: not readable ({exc})") from None
    if not isinstance(index, dict) or not all(isinstance(v, dict) for v in index.values()):
        raise DatasetError(f"{path}: expected an object mapping sequence names to objects")
    return index


def read_roles(root: str | Path) -> dict[str, str]:
    """``{name: role}`` from ``root/index.json`` when it gives roles, else empty."""
    path = Path(root) / "index.json"
    if not path.is_file():
        return {}
    return {name: str(entry["role"]) for name, entry in read_index(path).items() if "role" in entry}


def sequence_names(root: str | Path) -> list[str]:
    """The sequences of a folder: those ``index.json`` lists (each checked to exist), else every sequence folder."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: sequence folder not found")
    index_path = root / "index.json"
    if index_path.is_file():
        names = list(read_index(index_path))
        for name in names:
            if not (root / name).is_dir():
                raise DatasetError(f"{index_path}: lists {name!r} but {root / name} is missing")
    else:
        names = []
        for path in sorted(root.iterdir(), key=natural_key):
            if not path.is_dir() or path.name.startswith("."):
                continue
            if is_sequence_folder(path):
                names.append(path.name)
            elif looks_like_sequence_folder(path):  # a broken sequence is an error, never silently one fewer
                raise DatasetError(f"{path}: looks like a sequence folder but {sequence_folder_problem(path)}")
    return sorted(names, key=natural_key)
