"""Hostile-input sweep: run every ``siamban`` subcommand on junk, truncated, empty and oversized inputs, blocked or
full outputs and absurd options, and classify what each run did.

Every input is made here, in a temporary folder (nothing is read from the repository but the bundled model, and
nothing is written outside the temporary folder and ``--output``). Each case runs as ``python -m siamban ...`` in a
subprocess with a timeout, in its own working folder, and ends in one class:

- ``ok``: exit 0 and the output passes the case's sanity check (or the case allows either outcome);
- ``refused``: exit 2 with exactly one ``siamban CMD: error: ...`` line on stderr (``warning:`` lines and progress
  bars aside) and no traceback; for an interruption, exit 130 with the one ``interrupted`` line;
- ``TRACEBACK``: a Python traceback on stderr;
- ``HANG``: still running at the timeout (killed);
- ``DATA LOSS``: a file that existed before the run changed or vanished, or a temporary ``*.tmp`` file was left;
- ``SILENT``: exit 0 on an input that must be refused, or an output that fails its sanity check;
- ``UNCLEAR``: any other ending (another exit code, several error lines, no ``siamban CMD: error:`` line).

Usage (from the repository root, about 5-10 minutes on 2 cores)::

    python tools/hostile_sweep.py [--output benchmarks/results/hostile_sweep.json] [--jobs 2] [--only track]

Run as root, a read-only folder does not stop writes (those cases accept either outcome); a small tmpfs is mounted
for the full-disk cases when the system allows it, and ``/dev/full`` is copied with ``mknod`` so that no case can
replace the system's device node.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0
STDOUT = ".sweep_stdout.txt"
RESTORE_LOCK = threading.Lock()
ESCAPE = Path("/tmp/siamban_sweep_escape")
TEMPORARY = re.compile(r"(^\..+\.\d+\.tmp(\.[A-Za-z0-9]+)?$)|(\.tmp$)")
# tqdm bars on a terminal, and the plain lines ``name: 2/5 [40%, 0:00:01 elapsed, 31.4 frame/s]`` written elsewhere
PROGRESS = re.compile(r"\d+%\||\d+(it|frame|seq|trial|unit)s?/s|it/s\]|\|\s*\d+/\d+|^\s*$"
                      r"|: \d+(/\d+)? \[(\d+%, )?[\d:]+ elapsed")

OK, REFUSED, TRACEBACK, HANG, LOSS, SILENT, UNCLEAR = (
    "ok", "refused", "TRACEBACK", "HANG", "DATA LOSS", "SILENT", "UNCLEAR")
CLASSES = (OK, REFUSED, TRACEBACK, HANG, LOSS, SILENT, UNCLEAR)


@dataclasses.dataclass
class Case:
    name: str
    argv: list[str]  # after ``python -m siamban``; "{W}" is the case's working folder, "{I}" the inputs folder
    expect: str = "refuse"  # "refuse", "ok" or "any"
    setup: Callable[[Path], None] | None = None  # makes case-specific files in the working folder
    check: Callable[[Path], str | None] | None = None  # sanity of an ok run: None or what is wrong
    may_change: tuple[str, ...] = ()  # files (relative to the working folder) the run may rewrite
    stdin: bytes | None = None
    timeout: float = 90.0
    interrupt_after: float | None = None  # send SIGINT (or ``interrupt_signal``) this many seconds in
    interrupt_signal: int = signal.SIGINT
    cwd_inputs: bool = False  # run in a folder without ../shared


@dataclasses.dataclass
class Outcome:
    name: str
    command: str
    cls: str
    returncode: int | None
    seconds: float
    detail: str


# ----------------------------------------------------------------------------------------------------------------------
# Inputs


def _write_frames(folder: Path, count: int, size=(160, 120), start: int = 0, shift: int = 0) -> None:
    import cv2
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    w, h = size
    for i in range(count):
        image = np.full((h, w, 3), 30, np.uint8)
        x = 50 + shift + i
        image[40 + i: 80 + i, x: x + 40] = 230
        cv2.imwrite(str(folder / f"{start + i + 1:05d}.jpg"), image)


def _write_video(path: Path, count: int, fourcc: str = "mp4v", size=(160, 120)) -> None:
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 10.0, size)
    for i in range(count):
        image = np.full((size[1], size[0], 3), 30, np.uint8)
        image[40 + i: 80 + i, 50 + i: 90 + i] = 230
        writer.write(image)
    writer.release()


def _gt(count: int) -> str:
    return "".join(f"{50 + i},{40 + i},40,40\n" for i in range(count))


def _sequence(root: Path, name: str, count: int = 5, gt: str | None = None, role: str | None = None) -> Path:
    seq = root / name
    _write_frames(seq / "img", count)
    (seq / "groundtruth.txt").write_text(_gt(count) if gt is None else gt)
    return seq


def _dataset(root: Path, gt: str | None = None, index: object = None, count: int = 5, extra: bool = True) -> None:
    _sequence(root, "seq_a", count, gt)
    if extra:
        _sequence(root, "seq_b", count)
    if index is not None:
        (root / "index.json").write_text(index if isinstance(index, str) else json.dumps(index))


def build_inputs(inputs: Path) -> dict[str, str]:
    """Every shared input file; returns notes on what could not be made."""
    import torch

    notes = {}
    inputs.mkdir(parents=True)
    _write_frames(inputs / "frames", 5)
    _write_frames(inputs / "long", 400)
    mixed = inputs / "mixed"
    _write_frames(mixed, 3)
    _write_frames(mixed, 2, size=(200, 150), start=3)
    (inputs / "empty_dir").mkdir()
    junk_frames = inputs / "junk_frames"
    junk_frames.mkdir()
    for i in range(3):
        (junk_frames / f"{i:05d}.jpg").write_text("not a jpeg\n")
    half = inputs / "half_junk_frames"
    _write_frames(half, 3)
    (half / "00004.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    (inputs / "frames.mp4").mkdir()  # a folder named like a video
    _write_video(inputs / "video.avi", 6, "MJPG")
    _write_video(inputs / "video.mp4", 6, "mp4v")
    data = (inputs / "video.avi").read_bytes()
    (inputs / "trunc.avi").write_bytes(data[: len(data) // 2])
    (inputs / "header_only.avi").write_bytes(data[:300])
    random = os.urandom(20000)
    for suffix in (".pth", ".yaml", ".txt", ".mp4", ".jpg", ".zip", ".onnx", ".avi"):
        (inputs / f"junk{suffix}").write_text("this is junk text, not what the name says\n" * 3)
        (inputs / f"empty{suffix}").write_bytes(b"")
        (inputs / f"binary{suffix}").write_bytes(random)
    (inputs / "folder.pth").mkdir()
    (inputs / "folder.yaml").mkdir()
    model = REPO / "src/siamban/assets/models/siamban_lite0.pth"
    config = REPO / "src/siamban/configs/siamban_lite0.yaml"
    shutil.copy(model, inputs / "lite0.pth")
    shutil.copy(config, inputs / "lite0.yaml")
    weights = model.read_bytes()
    (inputs / "trunc.pth").write_bytes(weights[: len(weights) // 2])
    with zipfile.ZipFile(inputs / "zip.pth", "w") as z:
        z.writestr("readme.txt", "a zip that is not a checkpoint")
    torch.save(5, inputs / "int.pth")
    torch.save({"conv.weight": torch.zeros(3, 3)}, inputs / "other_model.pth")
    state = torch.load(model, weights_only=True)
    inner = state["model"] if isinstance(state, dict) and "model" in state else state
    nan_state = {k: torch.full_like(v, float("nan")) if v.is_floating_point() else v for k, v in inner.items()}
    torch.save(nan_state, inputs / "nan.pth")
    torch.save({"model": inner, "epoch": -1, "optimizer": "junk"}, inputs / "weird_snapshot.pth")
    text = config.read_text()
    variants = {
        "stride0": ("  STRIDE: 8", "  STRIDE: 0"),
        "lr_negative": ("  LR: 0.12", "  LR: -5"),
        "penalty_nan": ("  PENALTY_K: 0.18", "  PENALTY_K: .nan"),
        "penalty_huge": ("  PENALTY_K: 0.18", "  PENALTY_K: 1e400"),
        "exemplar0": ("  EXEMPLAR_SIZE: 127", "  EXEMPLAR_SIZE: 0"),
        "instance_huge": ("  INSTANCE_SIZE: 255", "  INSTANCE_SIZE: 100000"),
        "unknown_key": ("POINT:", "BOGUS_KEY: 1\nPOINT:"),
        "unknown_backbone": ("  TYPE: efficientnet_lite0", "  TYPE: no_such_net"),
        "stride_text": ("  STRIDE: 8", "  STRIDE: eight"),
        "lost_frames0": ("  LOST_FRAMES: 5", "  LOST_FRAMES: 0"),
        "window_2": ("  WINDOW_INFLUENCE: 0.30", "  WINDOW_INFLUENCE: 2"),
        "channels_wrong": ("    in_channels: [40, 80, 112]", "    in_channels: [41, 80, 112]"),
    }
    for name, (old, new) in variants.items():
        if old not in text:
            notes[name] = f"{old!r} not in the bundled config"
        (inputs / f"cfg_{name}.yaml").write_text(text.replace(old, new, 1))
    (inputs / "list.yaml").write_text("- 1\n- 2\n")
    (inputs / "scalar.yaml").write_text("42\n")
    (inputs / "tabs.yaml").write_text("META_ARC: x\n\tBAD: [\n")
    (inputs / "deep.yaml").write_text("[" * 5000 + "]" * 5000 + "\n")
    (inputs / "alias_bomb.yaml").write_text(
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n")
    (inputs / "train_missing_data.yaml").write_text(text + "DATASET:\n  NAMES: [SHARED]\n  SHARED:\n"
                                                    "    ROOT: ../shared/data/sequences\n    ANNO: ''\n")
    # datasets
    _dataset(inputs / "ds_ok", index={"seq_a": {"frames": 5, "role": "val"}, "seq_b": {"frames": 5, "role": "val"}})
    (inputs / "file_root").write_text("not a folder\n")
    _dataset(inputs / "ds_heldout", index={"seq_a": {"role": "heldout"}, "seq_b": {"role": "heldout"}})
    # submissions
    with zipfile.ZipFile(inputs / "empty_sub.zip", "w"):
        pass
    with zipfile.ZipFile(inputs / "evil_sub.zip", "w") as z:
        z.writestr("../../evil.txt", "1,2,3,4\n")
        z.writestr("/abs/evil.txt", "1,2,3,4\n")
    with zipfile.ZipFile(inputs / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt", "w", force_zip64=True) as member:
            for _ in range(70):
                member.write(b"0" * (1 << 20))
    with zipfile.ZipFile(inputs / "many_members.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(20000):
            z.writestr(f"s{i}/s{i}_001.txt", "")
    sub = (inputs / "bomb.zip").read_bytes()
    (inputs / "trunc.zip").write_bytes(sub[: len(sub) // 2])
    # a checkpoint that names its own payload as a huge allocation is not made: torch.load reads storages lazily
    return notes


def _full_disk(base: Path) -> Path | None:
    """A 256 KB tmpfs (a real full disk once filled), or None when mounting is not allowed."""
    mount = base / "fullfs"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        return None
    (mount / "precious.txt").write_text("precious\n")
    (mount / "siamban_demo").mkdir()
    (mount / "siamban_demo" / "sample_boxes.txt").write_text("precious\n")
    handle = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(handle, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(handle)
    return mount


def _readonly_dir(base: Path) -> Path:
    folder = base / "readonly"
    folder.mkdir()
    (folder / "precious.txt").write_text("precious\n")
    if ROOT_USER:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                              capture_output=True)
        if done.returncode == 0:
            return folder
    folder.chmod(0o555)
    return folder


def _device_full(base: Path) -> Path:
    if ROOT_USER:
        node = base / "devfull"
        if subprocess.run(["mknod", str(node), "c", "1", "7"], capture_output=True).returncode == 0:
            return node
    return Path("/dev/full")


# ----------------------------------------------------------------------------------------------------------------------
# Sanity checks of ok runs


def _box_lines(path: Path, count: int | None = None) -> str | None:
    if not path.is_file():
        return f"{path.name} missing"
    lines = path.read_text().splitlines()
    if count is not None and len(lines) != count:
        return f"{path.name}: {len(lines)} lines, expected {count}"
    for i, line in enumerate(lines, 1):
        try:
            values = [float(v) for v in re.split(r"[,\s]+", line.strip()) if v]
        except ValueError:
            return f"{path.name}:{i}: not numbers: {line!r}"
        if not values or not all(math.isfinite(v) for v in values):
            return f"{path.name}:{i}: not finite: {line!r}"
    return None


def boxes(name: str, count: int | None = None) -> Callable[[Path], str | None]:
    return lambda w: _box_lines(w / name, count)


def exists(*names: str) -> Callable[[Path], str | None]:
    def check(w: Path) -> str | None:
        for name in names:
            matches = list(w.glob(name))
            if not matches or any(p.is_file() and p.stat().st_size == 0 for p in matches):
                return f"{name} missing or empty"
        return None

    return check


def escaped(w: Path) -> str | None:
    """A run told to write under its output folder wrote outside it (``..`` or an absolute name)."""
    for folder in (w, w.parent, w.parent.parent):
        strays = [p for p in folder.glob("escaped*")]
        if strays:
            return f"wrote outside its output folder: {strays[0]}"
    if ESCAPE.exists():
        return f"wrote outside its output folder: {ESCAPE}"
    return None


def stdout_says(*words: str) -> Callable[[Path], str | None]:
    """An exit-0 run must say one of ``words`` on stdout (a problem it reported rather than hid)."""
    def check(w: Path) -> str | None:
        text = (w / STDOUT).read_text().lower() if (w / STDOUT).is_file() else ""
        return None if any(word in text for word in words) else f"exit 0 without reporting a problem ({words[0]})"

    return check


def synth_ok(folder: str, length: int) -> Callable[[Path], str | None]:
    def check(w: Path) -> str | None:
        seqs = [p for p in (w / folder).iterdir() if p.is_dir()] if (w / folder).is_dir() else []
        if not seqs:
            return "no sequence written"
        for seq in seqs:
            frames = list((seq / "img").glob("*.jpg"))
            if len(frames) != length:
                return f"{seq.name}: {len(frames)} frames, expected {length}"
            problem = _box_lines(seq / "groundtruth.txt", length)
            if problem:
                return problem
        return None

    return check


# ----------------------------------------------------------------------------------------------------------------------
# Cases


def cases(inputs: Path, full: Path | None, readonly: Path, devfull: Path) -> list[Case]:
    I = str(inputs)  # noqa: E741 - short on purpose: it appears in every case
    model = ["--weights", f"{I}/lite0.pth", "--config", f"{I}/lite0.yaml", "--device", "cpu"]
    track = ["track", f"{I}/frames", "--init", "50,40,40,40"]
    out: list[Case] = []

    def add(name: str, argv: list[str], expect: str = "refuse", **kw) -> None:
        out.append(Case(name, argv, expect, **kw))

    def precious(*names: str) -> Callable[[Path], None]:
        def make(w: Path) -> None:
            for n in names:
                (w / n).parent.mkdir(parents=True, exist_ok=True)
                (w / n).write_text("precious, must survive\n")

        return make

    def blocker(w: Path) -> None:
        (w / "blocker").write_text("precious, must survive\n")

    # --- global
    add("no arguments", [])
    add("unknown subcommand", ["fly"])
    add("--version", ["--version"], "ok")
    add("track --help", ["track", "--help"], "ok")
    add("unknown option", ["track", f"{I}/frames", "--bogus"])
    add("export without format", ["export"])

    # --- track: inputs
    add("track ok: frame folder", track + ["-o", "b.txt"], "ok", check=boxes("b.txt", 5))
    add("track ok: glob", ["track", f"{I}/frames/*.jpg", "--init", "50,40,40,40", "-o", "b.txt"], "ok",
        check=boxes("b.txt", 5))
    add("track ok: avi + --video", ["track", f"{I}/video.avi", "--init", "50,40,40,40", "-o", "b.txt", "--video",
                                    "v.mp4"], "ok", check=lambda w: _box_lines(w / "b.txt", 6) or exists("v.mp4")(w))
    add("track ok: mp4", ["track", f"{I}/video.mp4", "--init", "50,40,40,40", "-o", "b.txt"], "ok",
        check=boxes("b.txt", 6))
    add("track ok: default -o name", track, "ok", check=boxes("runs/track/exp/frames_boxes.txt", 5))
    add("track ok: --start-frame 2", track + ["--start-frame", "2", "-o", "b.txt"], "ok", check=boxes("b.txt", 3))
    add("track: truncated video", ["track", f"{I}/trunc.avi", "--init", "50,40,40,40", "-o", "b.txt"], "any",
        check=boxes("b.txt"))
    add("track: header-only video", ["track", f"{I}/header_only.avi", "--init", "50,40,40,40", "-o", "b.txt"])
    for kind in ("junk", "empty", "binary"):
        for suffix in (".mp4", ".avi", ".jpg", ".txt", ".zip"):
            add(f"track: {kind}{suffix} as input", ["track", f"{I}/{kind}{suffix}", "--init", "1,1,5,5", "-o",
                                                    "b.txt"])
    add("track: missing input", ["track", f"{I}/nothing_here.mp4", "--init", "1,1,5,5", "-o", "b.txt"])
    add("track: empty folder", ["track", f"{I}/empty_dir", "--init", "1,1,5,5", "-o", "b.txt"])
    add("track: folder of junk jpgs", ["track", f"{I}/junk_frames", "--init", "1,1,5,5", "-o", "b.txt"])
    add("track: folder with one broken jpg", ["track", f"{I}/half_junk_frames", "--init", "50,40,40,40", "-o",
                                              "b.txt"], "any", check=boxes("b.txt"))
    add("track: folder named .mp4", ["track", f"{I}/frames.mp4", "--init", "1,1,5,5", "-o", "b.txt"])
    add("track: mixed-size frames", ["track", f"{I}/mixed", "--init", "50,40,40,40", "-o", "b.txt"])
    add("track: glob matching nothing", ["track", f"{I}/frames/*.png", "--init", "1,1,5,5", "-o", "b.txt"])
    add("track: webcam index 99", ["track", "99", "--init", "1,1,5,5", "-o", "b.txt"])
    add("track: negative webcam index", ["track", "-1", "--init", "1,1,5,5", "-o", "b.txt"])
    add("track: empty input string", ["track", "", "--init", "1,1,5,5", "-o", "b.txt"])
    # --- track: boxes and numbers
    for label, box in [("empty", ""), ("text", "a,b,c,d"), ("three numbers", "1,2,3"), ("five numbers", "1,2,3,4,5"),
                       ("nan", "nan,nan,10,10"), ("inf", "inf,0,10,10"), ("negative size", "10,10,-10,-10"),
                       ("zero size", "10,10,0,0"), ("outside the frame", "500,500,10,10"),
                       ("huge", "1e308,1e308,1e308,1e308"), ("far negative", "-1000,-1000,10,10"),
                       ("larger than frame", "0,0,100000,100000"), ("sub-pixel", "10,10,0.001,0.001")]:
        add(f"track: --init {label}", ["track", f"{I}/frames", f"--init={box}", "-o", "b.txt"])
    for value in ("-1", "5", "99", "100000000000000000000", "abc", "1.5"):
        add(f"track: --start-frame {value}", track + ["--start-frame", value, "-o", "b.txt"], timeout=60)
    for value in ("0", "-3", "abc"):
        add(f"track: --threads {value}", track + ["--threads", value, "-o", "b.txt"])
    add("track: --threads 100000", track + ["--threads", "100000", "-o", "b.txt"], "any", check=boxes("b.txt", 5))
    add("track: no --init", ["track", f"{I}/frames", "-o", "b.txt"])
    # --- track: outputs
    add("track: -o under a regular file", track + ["-o", "blocker/b.txt"], setup=blocker)
    add("track: -o is a folder", track + ["-o", "."])
    add("track: -o empty", track + ["-o", ""])
    add("track: -o trailing slash", track + ["-o", "newdir/"])
    add("track: -o is the input folder", track + ["-o", f"{I}/frames"])
    add("track: -o is an input frame", track + ["-o", f"{I}/frames/00001.jpg"])
    add("track: -o on /dev/full", track + ["-o", str(devfull)])
    add("track: -o read-only folder", track + ["-o", f"{readonly}/b.txt"], "refuse" if not ROOT_USER else "any",
        check=boxes(f"{readonly}/b.txt", 5))
    add("track: --video .gif keeps -o", track + ["-o", "keep.txt", "--video", "v.gif"], setup=precious("keep.txt"))
    add("track: --video no suffix", track + ["-o", "b.txt", "--video", "video"])
    add("track: --video same as -o", track + ["-o", "same.mp4", "--video", "same.mp4"])
    add("track: --video under a file", track + ["-o", "b.txt", "--video", "blocker/v.mp4"], setup=blocker)
    add("track: --video is a folder", track + ["-o", "b.txt", "--video", "vid.mp4"],
        setup=lambda w: (w / "vid.mp4").mkdir())
    add("track: --video on /dev/full", track + ["-o", "b.txt", "--video", str(devfull)])
    add("track: junk weights keep -o", track + ["-o", "keep.txt", "--weights", f"{I}/junk.pth"],
        setup=precious("keep.txt"))
    if full is not None:
        add("track: -o on a full disk keeps old file", track + ["-o", f"{full}/precious.txt"])
        add("track: -o new file on a full disk", track + ["-o", f"{full}/new.txt"])
        add("track: --video on a full disk", track + ["-o", "b.txt", "--video", f"{full}/v.mp4"])
    # --- model options (through track)
    for kind in ("junk", "empty", "binary", "trunc", "zip", "int", "other_model", "nan", "folder"):
        add(f"model: --weights {kind}.pth", track + ["-o", "b.txt", "--weights", f"{I}/{kind}.pth"])
    add("model: --weights missing", track + ["-o", "b.txt", "--weights", f"{I}/missing.pth"])
    add("model: --weights a .yaml", track + ["-o", "b.txt", "--weights", f"{I}/lite0.yaml"])
    add("model: --weights snapshot with junk fields", track + ["-o", "b.txt", "--weights",
                                                               f"{I}/weird_snapshot.pth"], "any",
        check=boxes("b.txt", 5))
    for kind in ("junk", "empty", "binary", "folder", "list", "scalar", "tabs", "deep", "alias_bomb"):
        add(f"model: --config {kind}.yaml", track + ["-o", "b.txt", "--config", f"{I}/{kind}.yaml", "--weights",
                                                     f"{I}/lite0.pth"])
    for name in ("stride0", "lr_negative", "penalty_nan", "penalty_huge", "exemplar0", "instance_huge", "unknown_key",
                 "unknown_backbone", "stride_text", "lost_frames0", "window_2", "channels_wrong"):
        add(f"model: config {name}", track + ["-o", "b.txt", "--config", f"{I}/cfg_{name}.yaml", "--weights",
                                              f"{I}/lite0.pth"])
    add("model: --config unknown name", track + ["-o", "b.txt", "--config", "no_such_model"])
    add("model: --config missing path", track + ["-o", "b.txt", "--config", f"{I}/missing.yaml"])
    add("model: r50 config with lite0 weights", track + ["-o", "b.txt", "--config", "siamban_r50_l234", "--weights",
                                                         f"{I}/lite0.pth"])
    add("model: --preset bogus", track + ["-o", "b.txt", "--preset", "bogus"])
    # an empty --preset/--device (an unset shell variable) means the default, on purpose
    add("model: --preset ''", track + ["-o", "b.txt", "--preset", ""], "any", check=boxes("b.txt", 5))
    for device in ("tpu", "cuda", "cuda:99", "", "cpu:0", "cuda:-1"):
        expect = "any" if device in ("cpu:0", "") else "refuse"
        add(f"model: --device {device!r}", track + ["-o", "b.txt", "--device", device], expect,
            check=boxes("b.txt", 5))
    add("model: --precision fp16 on cpu", track + ["-o", "b.txt", "--precision", "fp16", "--device", "cpu"], "any",
        check=boxes("b.txt", 5))
    add("model: --precision bogus", track + ["-o", "b.txt", "--precision", "fp8"])
    add("model: --backend onnxruntime", track + ["-o", "b.txt", "--backend", "onnxruntime"], "any",
        check=boxes("b.txt", 5))
    add("model: onnxruntime + nan weights", track + ["-o", "b.txt", "--backend", "onnxruntime", "--weights",
                                                     f"{I}/nan.pth"])
    # --- interruptions
    add("track: Ctrl-C mid-run", ["track", f"{I}/long", "--init", "50,40,40,40", "-o", "b.txt"], "any",
        interrupt_after=6.0, check=boxes("b.txt"))
    add("track: SIGTERM mid-run", ["track", f"{I}/long", "--init", "50,40,40,40", "-o", "b.txt", "--video", "v.mp4"],
        "any", interrupt_after=6.0, interrupt_signal=signal.SIGTERM, check=boxes("b.txt"))

    # --- test
    ds = ["--dataset", "folders", "--dataset-root"]
    test = ["test"] + ds + [f"{I}/ds_ok", "--results-dir", "r", "--quiet"]
    test_base = test[:-3] + ["--quiet"]  # without --results-dir
    add("test ok: folders", test, "ok", check=lambda w: _box_lines(w / "r/folders/siamban_lite0/seq_a.txt", 5))
    add("test ok: --role val", test + ["--role", "val"], "ok", check=boxes("r/folders/siamban_lite0/seq_b.txt", 5))
    add("test ok: opencv kcf", test + ["--opencv", "kcf"], "any", check=boxes("r/folders/opencv-kcf/seq_a.txt", 5))
    add("test: unknown dataset", ["test", "--dataset", "NOPE", "--dataset-root", f"{I}/ds_ok"])
    add("test: root missing", ["test"] + ds + [f"{I}/nowhere"])
    add("test: root is a file", ["test"] + ds + [f"{I}/file_root"])
    add("test: root empty", ["test"] + ds + [f"{I}/empty_dir"])
    add("test: OTB100 on an empty folder", ["test", "--dataset", "OTB100", "--dataset-root", f"{I}/empty_dir"])
    add("test: VOT2018 on a folders set", ["test", "--dataset", "VOT2018", "--dataset-root", f"{I}/ds_ok"])
    add("test: GOT-10k on a folders set", ["test", "--dataset", "GOT-10k", "--dataset-root", f"{I}/ds_ok"])
    add("test: LaSOT on a folders set", ["test", "--dataset", "LaSOT", "--dataset-root", f"{I}/ds_ok"])
    gt_cases = {
        "too few lines": _gt(3),
        "too many lines": _gt(9),
        "garbage line": _gt(2) + "hello world\n" + _gt(2),
        "empty": "",
        "nan first line": "nan,nan,nan,nan\n" + _gt(4),
        "negative width": "50,40,-40,40\n" + _gt(4),
        "binary": "\x00\xff\xfe" * 50,
        "five columns": "".join(f"{50 + i},{40 + i},40,40,7\n" for i in range(5)),
        "inf": "inf,40,40,40\n" + _gt(4),
    }
    for label, text in gt_cases.items():
        add(f"test: groundtruth {label}", ["test"] + ds + ["ds", "--results-dir", "r", "--quiet"],
            setup=lambda w, text=text: _dataset(w / "ds", gt=text))
    add("test: groundtruth is a folder", ["test"] + ds + ["ds", "--results-dir", "r"],
        setup=lambda w: (_dataset(w / "ds"), (w / "ds/seq_a/groundtruth.txt").unlink(),
                         (w / "ds/seq_a/groundtruth.txt").mkdir()))
    add("test: img is a file", ["test"] + ds + ["ds", "--results-dir", "r"],
        setup=lambda w: (_dataset(w / "ds"), shutil.rmtree(w / "ds/seq_a/img"), (w / "ds/seq_a/img").write_text("x")))
    add("test: mixed-size frames in a sequence", ["test"] + ds + ["ds", "--results-dir", "r", "--quiet"],
        setup=lambda w: (_dataset(w / "ds"), _write_frames(w / "ds/seq_a/img", 1, size=(200, 150), start=4)))
    add("test: junk frame in a sequence", ["test"] + ds + ["ds", "--results-dir", "r", "--quiet"],
        setup=lambda w: (_dataset(w / "ds"), (w / "ds/seq_a/img/00003.jpg").write_text("junk")))
    for label, index in {"junk": "{not json", "list": "[1, 2]", "wrong frames": {"seq_a": {"frames": 7}},
                         "binary": "\x00\x01", "first_box wrong": {"seq_a": {"first_box": [1, 2, 3, 4]}},
                         "frames text": {"seq_a": {"frames": "five"}}, "entry a list": {"seq_a": [1]},
                         "unknown sequence": {"ghost": {"frames": 5}}}.items():
        add(f"test: index.json {label}", ["test"] + ds + ["ds", "--results-dir", "r", "--quiet"],
            setup=lambda w, index=index: _dataset(w / "ds", index=index))
    add("test: --role nothing has", test + ["--role", "test"])
    add("test: --sequences unknown", test + ["--sequences", "ghost"])
    for value in ("0", "-1"):
        add(f"test: --workers {value}", test + ["--workers", value], "any",
            check=boxes("r/folders/siamban_lite0/seq_a.txt", 5))
    add("test: --workers 100000", test + ["--workers", "100000"], "any", timeout=120,
        check=boxes("r/folders/siamban_lite0/seq_a.txt", 5))
    add("test: --threads 0", test + ["--threads", "0"])
    for value in ("0", "-1", "nan", "inf", "abc"):
        add(f"test: realtime --fps {value}", test + ["--experiment", "realtime", f"--fps={value}"])
    add("test: --batch -1", test + ["--batch", "-1"], "any", check=boxes("r/folders/siamban_lite0/seq_a.txt", 5))
    add("test: --batch 100000", test + ["--batch", "100000"], "any",
        check=boxes("r/folders/siamban_lite0/seq_a.txt", 5))
    add("test: --results-dir under a file", test_base + ["--results-dir", "blocker/r"], setup=blocker)
    add("test: --results-dir is a file", test_base + ["--results-dir", "blocker"], setup=blocker)
    add("test: --results-dir /dev/full", test_base + ["--results-dir", str(devfull)])
    add("test: --tracker-name escapes", test + ["--tracker-name", "../../escaped"], "any", check=escaped)
    add("test: --tracker-name absolute", test + ["--tracker-name", str(ESCAPE)], "any", check=escaped)
    add("test: --tracker-name empty", test + ["--tracker-name", ""])
    add("test: --tracker-name with slash", test + ["--tracker-name", "a/b"])
    add("test: existing junk result is re-run", test,
        "ok", setup=lambda w: ((w / "r/folders/siamban_lite0").mkdir(parents=True),
                               (w / "r/folders/siamban_lite0/seq_a.txt").write_text("garbage\n")),
        check=boxes("r/folders/siamban_lite0/seq_a.txt", 5), may_change=("r/folders/siamban_lite0/seq_a.txt",))
    add("test: existing good results kept", test, "ok",
        setup=lambda w: ((w / "r/folders/siamban_lite0").mkdir(parents=True),
                         (w / "r/folders/siamban_lite0/seq_a.txt").write_text(_gt(5)),
                         (w / "r/folders/siamban_lite0/seq_b.txt").write_text(_gt(5))),
        check=boxes("r/folders/siamban_lite0/seq_a.txt", 5))
    add("test: result file is a folder", test,
        setup=lambda w: (w / "r/folders/siamban_lite0/seq_a.txt").mkdir(parents=True))
    add("test: junk weights keep results", test + ["--weights", f"{I}/junk.pth"],
        setup=lambda w: ((w / "r/folders/siamban_lite0").mkdir(parents=True),
                         (w / "r/folders/siamban_lite0/seq_a.txt").write_text(_gt(5))))
    if full is not None:
        add("test: results on a full disk", test_base + ["--results-dir", f"{full}/r", "--quiet"])

    # --- eval
    ev = ["eval"] + ds + [f"{I}/ds_ok", "--results-dir", "r"]

    def results(text: str | None = None, name: str = "seq_a.txt", both: bool = True) -> Callable[[Path], None]:
        def make(w: Path) -> None:
            folder = w / "r/folders/trk"
            folder.mkdir(parents=True)
            (folder / "seq_b.txt").write_text(_gt(5)) if both else None
            if text is not None:
                (folder / name).write_text(text)

        return make

    add("eval ok", ev, "ok", setup=results(_gt(5)))
    add("eval ok: --report-dir", ev + ["--report-dir", "rep"], "ok", setup=results(_gt(5)),
        check=exists("rep/summary.md", "rep/summary.json"))
    add("eval ok: got10k toolkit", ev + ["--toolkit", "got10k"], "ok", setup=results(_gt(5)))
    add("eval: no results folder", ev)
    add("eval: empty results folder", ev, setup=lambda w: (w / "r").mkdir())
    for label, text in {"garbage": "garbage\n" * 5, "too few lines": _gt(2), "too many lines": _gt(50),
                        "nan": "nan,nan,nan,nan\n" * 5, "binary": "\x00\xff" * 40, "empty": "",
                        "inf": "inf,1,1,1\n" * 5, "huge numbers": "1e308,1e308,1e308,1e308\n" * 5,
                        "negative sizes": "1,1,-5,-5\n" * 5}.items():
        add(f"eval: result {label}", ev, "refuse" if label not in ("negative sizes", "huge numbers") else "any",
            setup=results(text))
    add("eval: result is a folder", ev, setup=lambda w: (results()(w), (w / "r/folders/trk/seq_a.txt").mkdir()))
    add("eval: result missing for one sequence", ev, "any", setup=results(None))
    add("eval: --trackers unknown", ev + ["--trackers", "ghost"], setup=results(_gt(5)))
    add("eval: --dataset without root", ["eval", "--dataset", "folders"])
    add("eval: unknown dataset", ["eval", "--dataset", "NOPE", "--dataset-root", f"{I}/ds_ok"])
    add("eval: --report-dir under a file", ev + ["--report-dir", "blocker/rep"],
        setup=lambda w: (blocker(w), results(_gt(5))(w)))
    add("eval: --report-dir is a file", ev + ["--report-dir", "blocker"], setup=lambda w: (blocker(w),
                                                                                          results(_gt(5))(w)))
    add("eval: --report-dir /dev/full", ev + ["--report-dir", str(devfull)], setup=results(_gt(5)))
    add("eval: failed eval keeps old report", ev + ["--report-dir", "rep"], setup=lambda w: (
        precious("rep/summary.md", "rep/summary.json")(w), results("garbage\n")(w)))
    if full is not None:
        add("eval: --report-dir on a full disk", ev + ["--report-dir", f"{full}/rep"], setup=results(_gt(5)))
    for kind in ("junk", "empty", "binary"):
        add(f"eval: --check-submission {kind}.zip", ["eval", "--check-submission", f"{I}/{kind}.zip"])
    for name in ("empty_sub.zip", "evil_sub.zip", "trunc.zip", "bomb.zip", "empty_dir", "nothing.zip",
                 "many_members.zip", "junk.txt"):
        add(f"eval: --check-submission {name}", ["eval", "--check-submission", f"{I}/{name}"], "any"
            if name in ("empty_sub.zip", "evil_sub.zip", "empty_dir", "many_members.zip") else "refuse",
            check=stdout_says("problem", "not a valid"))
    add("eval: --check-submission against a junk root", ["eval", "--check-submission", f"{I}/empty_dir",
                                                         "--dataset-root", f"{I}/file_root"])

    # --- tune
    tune = ["tune"] + ds + [f"{I}/ds_ok", "--role", "val", "--out", "t", "--quiet"]
    add("tune ok: budget 1", tune + ["--budget", "1"], "ok", check=exists("t/trials.jsonl", "t/best.yaml"))
    for value in ("0", "-1"):
        add(f"tune: --budget {value}", tune + ["--budget", value])
    add("tune: grid --budget 10**18", tune + ["--budget", "1000000000000000000", "--method", "grid"], timeout=60)
    add("tune: random --budget 10**18", tune + ["--budget", "1000000000000000000"], timeout=60)
    for rng in ("a:b", "1:0", "nan:1", "-1:5", "0:1e309", "0.1", "1:2:3", ":", "0.5:0.5"):
        add(f"tune: --penalty-k {rng}", tune + ["--budget", "1", f"--penalty-k={rng}"],
            "any" if rng == "0.5:0.5" else "refuse", check=exists("t/best.yaml"))
    add("tune: --lr 0:5", tune + ["--budget", "1", "--lr=0:5"])
    add("tune: --window-influence -1:0", tune + ["--budget", "1", "--window-influence=-1:0"])
    add("tune: heldout refused", ["tune"] + ds + [f"{I}/ds_heldout", "--out", "t", "--budget", "1"])
    add("tune: --out under a file", tune + ["--budget", "1", "--out", "blocker/t"], setup=blocker)
    add("tune: --out is a file", tune + ["--budget", "1", "--out", "blocker"], setup=blocker)
    add("tune: --out /dev/full", tune + ["--budget", "1", "--out", str(devfull)])
    add("tune: junk trials.jsonl", tune + ["--budget", "1"], "any",
        setup=lambda w: ((w / "t").mkdir(), (w / "t/trials.jsonl").write_text("garbage\n{\"trial\": \n")),
        check=exists("t/best.yaml"), may_change=("t/trials.jsonl",))
    add("tune: binary trials.jsonl", tune + ["--budget", "1"], "any",
        setup=lambda w: ((w / "t").mkdir(), (w / "t/trials.jsonl").write_bytes(os.urandom(300))),
        check=exists("t/best.yaml"), may_change=("t/trials.jsonl",))
    add("tune: trials.jsonl of another search", tune + ["--budget", "1"], "any",
        setup=lambda w: ((w / "t").mkdir(), (w / "t/trials.jsonl").write_text(
            json.dumps({"trial": 0, "params": {"penalty_k": "x"}, "score": "nan"}) + "\n")),
        check=exists("t/best.yaml"), may_change=("t/trials.jsonl",))
    add("tune: trials.jsonl is a folder", tune + ["--budget", "1"], setup=lambda w: (w / "t/trials.jsonl").mkdir(
        parents=True))
    add("tune: --workers 0", tune + ["--budget", "1", "--workers", "0"], "any", check=exists("t/best.yaml"))
    add("tune: --seed -1", tune + ["--budget", "1", "--seed", "-1"], "any", check=exists("t/best.yaml"))
    add("tune: junk weights", tune + ["--budget", "1", "--weights", f"{I}/junk.pth"])

    # --- train
    add("train: junk config", ["train", "--config", f"{I}/junk.yaml", "-o", "run"])
    add("train: binary config", ["train", "--config", f"{I}/binary.yaml", "-o", "run"])
    add("train: config folder", ["train", "--config", f"{I}/folder.yaml", "-o", "run"])
    add("train: missing ../shared", ["train", "--config", f"{I}/train_missing_data.yaml", "-o", "run", "--device",
                                     "cpu"], cwd_inputs=True)
    add("train: recipe config without ../shared", ["train", "--config", str(REPO / "recipes/default_model/config.yaml"),
                                                   "-o", "run", "--device", "cpu"], cwd_inputs=True)
    for option, value in (("--epochs", "0"), ("--epochs", "-1"), ("--batch-size", "0"), ("--workers", "-1"),
                          ("--epochs", "abc")):
        add(f"train: {option} {value}", ["train", "--config", f"{I}/lite0.yaml", "-o", "run", option, value])
    add("train: --batch-size 10**9", ["train", "--config", f"{I}/train_missing_data.yaml", "-o", "run",
                                      "--batch-size", "1000000000", "--device", "cpu"], cwd_inputs=True)
    add("train: -o under a file", ["train", "--config", f"{I}/lite0.yaml", "-o", "blocker/run"], setup=blocker)
    add("train: -o is a file", ["train", "--config", f"{I}/lite0.yaml", "-o", "blocker"], setup=blocker)
    for resume in ("missing.pth", "junk.pth", "nan.pth", "int.pth", "lite0.pth"):
        add(f"train: --resume {resume}", ["train", "--config", f"{I}/train_missing_data.yaml", "-o", "run",
                                          "--resume", f"{I}/{resume}", "--device", "cpu"], cwd_inputs=True)
    add("train: --resume auto, nothing there", ["train", "--config", f"{I}/train_missing_data.yaml", "-o", "run",
                                                "--resume", "auto", "--device", "cpu"], cwd_inputs=True)
    add("train: --device tpu", ["train", "--config", f"{I}/lite0.yaml", "-o", "run", "--device", "tpu"])

    # --- prepare
    def raw_videos(gt: str | None = None, video: str = "video.mp4") -> Callable[[Path], None]:
        def make(w: Path) -> None:
            folder = w / "raw/clip1"
            folder.mkdir(parents=True)
            shutil.copy(inputs / video, folder / "video.mp4")
            (folder / "groundtruth.txt").write_text(_gt(6) if gt is None else gt)

        return make

    prep = ["prepare", "VIDEOS", "raw", "out", "-j", "1", "--no-progress"]
    add("prepare ok: VIDEOS", prep, "ok", setup=raw_videos(), check=exists("out/*.json"))
    add("prepare: unknown dataset", ["prepare", "NOPE", "raw", "out"], setup=raw_videos())
    add("prepare: raw missing", prep)
    add("prepare: raw is a file", prep, setup=lambda w: (w / "raw").write_text("x"))
    for fmt in ("VIDEOS", "IMAGES", "GOT10K", "LASOT", "COCO", "VID", "DET", "YOUTUBEBB"):
        add(f"prepare: {fmt} from an empty folder", ["prepare", fmt, "raw", "out", "-j", "1", "--no-progress"],
            setup=lambda w: (w / "raw").mkdir())
    add("prepare: VIDEOS junk video", prep, setup=raw_videos(video="junk.mp4"))
    add("prepare: VIDEOS gt wrong count", prep, "any", setup=raw_videos(gt=_gt(2)), check=exists("out/*.json"))
    add("prepare: VIDEOS gt garbage", prep, "any", setup=raw_videos(gt="hello\n" * 6), check=exists("out/*.json"))
    for label, text in {"junk": "{junk", "list": "[1,2]", "images not a list": '{"images": 5}',
                        "missing file": '{"images": [{"file": "images/nope.jpg", "boxes": [[1,1,5,5,0]]}]}',
                        "bad box": '{"images": [{"file": "images/a.jpg", "boxes": [["x",1,5,5,0]]}]}'}.items():
        add(f"prepare: IMAGES annotations {label}", ["prepare", "IMAGES", "raw", "out", "-j", "1", "--no-progress"],
            "any", check=stdout_says("problem", "skipp", "error", "invalid"),
            setup=lambda w, text=text: ((w / "raw/set1/images").mkdir(parents=True),
                                        shutil.copy(inputs / "frames/00001.jpg", w / "raw/set1/images/a.jpg"),
                                        (w / "raw/set1/annotations.json").write_text(text)))
    add("prepare: out under a file", ["prepare", "VIDEOS", "raw", "blocker/out"],
        setup=lambda w: (blocker(w), raw_videos()(w)))
    for value in ("0", "-1"):
        add(f"prepare: -j {value}", ["prepare", "VIDEOS", "raw", "out", "-j", value, "--no-progress"],
            setup=raw_videos())
    add("prepare: -j 100000", ["prepare", "VIDEOS", "raw", "out", "-j", "100000", "--no-progress"], "any",
        setup=raw_videos(), check=exists("out/*.json"), timeout=120)
    if full is not None:
        add("prepare: out on a full disk", ["prepare", "VIDEOS", "raw", f"{full}/prep", "-j", "1", "--no-progress"],
            setup=raw_videos())

    # --- synth
    syn = ["synth", "s", "--count", "1", "--length", "8", "--occlusions", "0", "--width", "96", "--height", "72"]
    add("synth ok", syn, "ok", check=synth_ok("s", 8))
    for option, value in (("--count", "0"), ("--count", "-1"), ("--width", "0"), ("--width", "-5"), ("--height", "1"),
                          ("--width", "100000"), ("--length", "0"), ("--length", "-1"), ("--noise", "nan"),
                          ("--noise", "-1"), ("--noise", "inf"), ("--max-speed", "nan"), ("--max-speed", "-1"),
                          ("--max-rotation", "inf"), ("--illumination", "nan"), ("--illumination", "-5"),
                          ("--distractors", "-1"), ("--occlusions", "-2"), ("--exits", "-1"),
                          ("--full-occlusions", "-1"), ("--target-area-min", "2"), ("--target-area-min", "-1"),
                          ("--target-area-min", "nan"), ("--target-area-max", "0"), ("--seed", "-1"),
                          ("--length", "abc"), ("--width", "1e3")):
        add(f"synth: {option} {value}", syn + [f"{option}={value}"],
            "any" if (option, value) in (("--seed", "-1"),) else "refuse", check=synth_ok("s", 8), timeout=60)
    add("synth: --distractors 100000", syn + ["--distractors", "100000"], timeout=60)
    add("synth: --image-dir missing", syn + ["--image-dir", f"{I}/nowhere"])
    add("synth: --image-dir is a file", syn + ["--image-dir", f"{I}/junk.jpg"])
    add("synth: --image-dir of junk", syn + ["--image-dir", f"{I}/junk_frames"])
    add("synth: --image-dir empty", syn + ["--image-dir", f"{I}/empty_dir"])
    add("synth: --prefix escapes", syn + ["--prefix", "../../escaped"], "any", check=escaped)
    add("synth: --prefix with slash", syn + ["--prefix", "a/b"])
    add("synth: --prefix empty", syn + ["--prefix", ""], "any", check=synth_ok("s", 8))
    add("synth: output under a file", ["synth", "blocker/s", "--count", "1", "--length", "5"], setup=blocker)
    add("synth: output is a file", ["synth", "blocker", "--count", "1", "--length", "5"], setup=blocker)
    add("synth: output /dev/full", ["synth", str(devfull), "--count", "1", "--length", "5"])
    if full is not None:
        add("synth: output on a full disk", ["synth", f"{full}/s", "--count", "1", "--length", "40", "--width", "320",
                                             "--height", "240"])
    add("synth: Ctrl-C mid-run", ["synth", "s", "--count", "50", "--length", "60"], "any", interrupt_after=5.0,
        check=lambda w: None)

    # --- demo
    add("demo ok", ["demo", "-o", "d"], "ok", check=lambda w: _box_lines(w / "d/sample_boxes.txt")
        or exists("d/sample_tracked.mp4")(w), timeout=150)
    add("demo: -o under a file", ["demo", "-o", "blocker/d"], setup=blocker)
    add("demo: -o is a file", ["demo", "-o", "blocker"], setup=blocker)
    add("demo: -o /dev/full", ["demo", "-o", str(devfull)])
    add("demo: junk weights keep old output", ["demo", "-o", "d", "--weights", f"{I}/junk.pth"],
        setup=precious("d/sample_boxes.txt", "d/sample_tracked.mp4"))
    add("demo: --device tpu", ["demo", "-o", "d", "--device", "tpu"])
    add("demo: config stride0", ["demo", "-o", "d", "--config", f"{I}/cfg_stride0.yaml", "--weights",
                                 f"{I}/lite0.pth"])
    if full is not None:
        add("demo: on a full disk keeps old boxes", ["demo", "-o", f"{full}/siamban_demo"], timeout=150)

    # --- export
    add("export ok", ["export", "onnx", "e", "--no-check"], "ok", check=exists("e/template.onnx", "e/track.onnx"),
        timeout=150)
    add("export: out under a file", ["export", "onnx", "blocker/e", "--no-check"], setup=blocker)
    add("export: out is a file", ["export", "onnx", "blocker", "--no-check"], setup=blocker)
    add("export: out /dev/full", ["export", "onnx", str(devfull), "--no-check"])
    for opset in ("0", "-1", "999", "abc"):
        add(f"export: --opset {opset}", ["export", "onnx", "e", "--no-check", "--opset", opset])
    add("export: --opset 7", ["export", "onnx", "e", "--no-check", "--opset", "7"], "any",
        check=exists("e/template.onnx", "e/track.onnx"), timeout=150)
    for kind in ("junk", "nan", "other_model"):
        add(f"export: --weights {kind}.pth keeps old graphs", ["export", "onnx", "e", "--no-check", "--weights",
                                                              f"{I}/{kind}.pth"],
            setup=precious("e/template.onnx", "e/track.onnx"))
    add("export: --config junk", ["export", "onnx", "e", "--no-check", "--config", f"{I}/junk.yaml"])
    add("export: unknown format", ["export", "tflite", "e"])
    if full is not None:
        add("export: on a full disk", ["export", "onnx", f"{full}/e", "--no-check"], timeout=150)

    # --- vot
    hello = b"@@TRAX:hello\n"
    add("vot: closed stdin", ["vot"] + model, stdin=b"")
    add("vot: garbage line", ["vot"] + model, stdin=b"garbage line\n")
    add("vot: binary stdin", ["vot"] + model, stdin=os.urandom(4096))
    add("vot: hello only", ["vot"] + model, stdin=hello)
    add("vot: initialize a missing image", ["vot"] + model,
        stdin=b'@@TRAX:initialize "file:///nonexistent/x.jpg" "10,10,20,20"\n')
    add("vot: initialize a junk image", ["vot"] + model,
        stdin=f'@@TRAX:initialize "file://{I}/junk.jpg" "10,10,20,20"\n'.encode())
    add("vot: initialize a nan region", ["vot"] + model,
        stdin=f'@@TRAX:initialize "file://{I}/frames/00001.jpg" "nan,nan,nan,nan"\n'.encode())
    add("vot: initialize a zero-size region", ["vot"] + model,
        stdin=f'@@TRAX:initialize "file://{I}/frames/00001.jpg" "10,10,0,0"\n'.encode())
    add("vot: junk weights", ["vot", "--weights", f"{I}/junk.pth", "--device", "cpu"], stdin=b"")
    add("vot: --device tpu", ["vot", "--device", "tpu"], stdin=b"")
    return out


# ----------------------------------------------------------------------------------------------------------------------
# Running and classifying


def _snapshot(folder: Path) -> dict[str, str]:
    files = {}
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                files[str(path)] = hashlib.sha1(path.read_bytes()).hexdigest()
            except OSError:
                pass
    return files


def _temporaries(folders: list[Path]) -> list[str]:
    found = []
    for folder in folders:
        if folder.is_dir():
            found += [str(p) for p in folder.rglob("*") if TEMPORARY.search(p.name)]
    return found


def _meaningful(stderr: str) -> list[str]:
    lines = []
    for line in re.split(r"[\r\n]+", stderr):
        own = re.search(r"siamban( \w+)*: (error|warning|interrupted|terminated)", line)
        if own and own.start() > 0:  # a message printed on the line a progress bar left
            line = line[own.start():]
        elif PROGRESS.search(line) or not line.strip():
            continue
        lines.append(line.strip())
    return lines


def run_case(case: Case, index: int, base: Path, watched: list[Path], python: str) -> Outcome:
    work = base / "cases" / f"{index:03d}"
    work.mkdir(parents=True)
    if case.setup:
        case.setup(work)
    inputs = base / "inputs"
    argv = [a.replace("{I}", str(inputs)).replace("{W}", str(work)) for a in case.argv]
    command = "siamban " + " ".join(a if a and " " not in a else repr(a) for a in argv)
    before = {}
    for folder in [work] + watched:
        before.update(_snapshot(folder))
    cwd = work
    if case.cwd_inputs:
        cwd = work / "deep" / "cwd"  # ../shared does not exist here
        cwd.mkdir(parents=True)
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    env.pop("DISPLAY", None)
    began = time.perf_counter()
    process = subprocess.Popen([python, "-m", "siamban", *argv], cwd=cwd, env=env,
                               stdin=subprocess.PIPE if case.stdin is not None else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    hung = False
    try:
        if case.interrupt_after is not None:
            try:
                stdout, stderr = process.communicate(timeout=case.interrupt_after)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, case.interrupt_signal)
                stdout, stderr = process.communicate(timeout=case.timeout)
        else:
            stdout, stderr = process.communicate(input=case.stdin, timeout=case.timeout)
    except subprocess.TimeoutExpired:
        hung = True
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
    seconds = time.perf_counter() - began
    rc = process.returncode
    err = stderr.decode(errors="replace")
    lines = _meaningful(err)
    cmd_name = argv[0] if argv else ""
    if cmd_name == "export" and len(argv) > 1 and not argv[1].startswith("-"):
        cmd_name = f"export {argv[1]}"

    after = {}
    for folder in [work] + watched:
        after.update(_snapshot(folder))
    changed = [p for p, digest in before.items() if after.get(p) != digest
               and not any(p == str(work / m) for m in case.may_change)]
    shared = [p for p in changed if not p.startswith(str(work) + os.sep)]
    if shared:  # a shared input changed: put it back; blame this case only if its command names the file
        with RESTORE_LOCK:
            for p in shared:
                source = base / "pristine" / Path(p).relative_to(base)
                if source.is_file():
                    with contextlib.suppress(OSError):
                        shutil.copy(source, p)
        changed = [p for p in changed if p not in shared or any(
            a and (p == a or p.startswith(a.rstrip(os.sep) + os.sep) or p.endswith(os.sep + a)) for a in argv)]
    devfull = base / "devfull"
    if ROOT_USER and (devfull.exists() or devfull.is_symlink()) and not devfull.is_char_device():
        changed.append(f"{devfull} (the device node was replaced by a regular file)")
        with RESTORE_LOCK:
            devfull.unlink()
            subprocess.run(["mknod", str(devfull), "c", "1", "7"], capture_output=True)
    leftovers = _temporaries([work] + watched)
    last = lines[-1] if lines else ""

    def outcome(cls: str, detail: str) -> Outcome:
        return Outcome(case.name, command, cls, rc, round(seconds, 1), detail[:400])

    if hung:
        return outcome(HANG, f"killed after {case.timeout:.0f} s; stderr: {last}")
    if "Traceback (most recent call last)" in err:
        tail = [x for x in err.strip().splitlines() if x.strip()]
        return outcome(TRACEBACK, tail[-1] if tail else "")
    if changed or leftovers:
        what = ", ".join([f"changed {p}" for p in changed] + [f"left {p}" for p in leftovers])
        return outcome(LOSS, what)
    if rc == 0:
        if case.expect == "refuse":
            return outcome(SILENT, "exit 0 on an input that must be refused; stdout: "
                           + stdout.decode(errors="replace").strip()[-200:])
        (work / STDOUT).write_bytes(stdout)
        problem = case.check(work) if case.check else None
        if problem:
            return outcome(SILENT, problem)
        return outcome(OK, stdout.decode(errors="replace").strip().splitlines()[-1:][0]
                       if stdout.strip() else "")
    errors = [x for x in lines if "error:" in x]
    others = [x for x in lines if "error:" not in x and ": warning: " not in x]
    if rc == 2 and len(errors) == 1 and not others:
        return outcome(REFUSED if case.expect != "ok" else SILENT, errors[0])
    if rc in (130, 143) and case.interrupt_after is not None and len(lines) == 1 and lines[0] in (
            f"siamban {cmd_name}: interrupted", f"siamban {cmd_name}: terminated"):
        return outcome(REFUSED if case.expect != "ok" else SILENT, lines[0])
    if rc == 1 and case.name.startswith("eval: --check-submission") and not lines:
        return outcome(REFUSED, "exit 1 with the problems on stdout: "
                       + stdout.decode(errors="replace").strip().splitlines()[-1][:200])
    return outcome(UNCLEAR, f"exit {rc}; stderr lines: {lines[:4]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", "--json", dest="output",
                        default=str(REPO / "benchmarks/results/hostile_sweep.json"),
                        help="write the results here (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default: %(default)s)")
    parser.add_argument("--only", help="run only cases whose name contains this text")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="siamban_sweep_"))
    mounts: list[Path] = []
    began = time.perf_counter()
    try:
        notes = build_inputs(base / "inputs")
        shutil.copytree(base / "inputs", base / "pristine" / "inputs", symlinks=True)
        full = _full_disk(base)
        if full is not None:
            mounts.append(full)
        readonly = _readonly_dir(base)
        if ROOT_USER and os.path.ismount(readonly):
            mounts.append(readonly)
        devfull = _device_full(base)
        all_cases = cases(base / "inputs", full, readonly, devfull)
        selected = [c for c in all_cases if not args.only or args.only in c.name]
        watched = [base / "inputs", readonly] + ([full] if full is not None else [])
        results: list[Outcome | None] = [None] * len(selected)
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
            futures = {pool.submit(run_case, c, i, base, watched, sys.executable): i for i, c in enumerate(selected)}
            for future in concurrent.futures.as_completed(futures):
                i = futures[future]
                results[i] = r = future.result()
                print(f"{r.cls:10s} {r.seconds:6.1f}s  {r.name}: {r.detail[:150]}", flush=True)
        done = [r for r in results if r is not None]
        shutil.rmtree(ESCAPE, ignore_errors=True)
    finally:
        for mount in mounts:
            unmounted = subprocess.run(["umount", str(mount)], capture_output=True, text=True)
            if unmounted.returncode != 0:
                print(f"umount {mount}: {unmounted.stderr.strip()}; trying a lazy unmount", file=sys.stderr)
                subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    counts = {cls: sum(r.cls == cls for r in done) for cls in CLASSES}
    commands = sorted({r.command.split()[1] if len(r.command.split()) > 1 else "-" for r in done})
    print()
    print(f"{'class':10s} count")
    for cls in CLASSES:
        print(f"{cls:10s} {counts[cls]}")
    print(f"{len(done)} cases over {len(commands)} subcommands in {time.perf_counter() - began:.0f} s")
    bad = [r for r in done if r.cls not in (OK, REFUSED)]
    if bad:
        print("\nproblems:")
        for r in bad:
            print(f"  {r.cls:10s} {r.name}\n             {r.command}\n             {r.detail}")
    report = {
        "cases": len(done),
        "counts": counts,
        "seconds": round(time.perf_counter() - began),
        "root": ROOT_USER,
        "full_disk_mounted": full is not None,
        "notes": notes,
        # the temporary folder as $SWEEP and this checkout as $REPO: no machine paths in the report
        "results": [{k: v.replace(str(base), "$SWEEP").replace(str(REPO), "$REPO") if isinstance(v, str) else v
                     for k, v in dataclasses.asdict(r).items()} for r in done],
    }
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(args.output).with_suffix(".json.partial")
        tmp.write_text(json.dumps(report, indent=1) + "\n")
        os.replace(tmp, args.output)
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
