"""Imported first by ``siamban/__init__.py``: settings native libraries read once, when they load.

OpenCV's and FFmpeg's own log lines ("moov atom not found", "[ WARN:0] ... can't open/read file") would otherwise
appear above the one-line errors siamban gives for the same problem: ``OPENCV_LOG_LEVEL=ERROR`` and
``OPENCV_FFMPEG_LOGLEVEL=-8`` (quiet) unless the user set them.

torch's OpenMP threads spin while they wait for work. On a machine whose cores are busy with other processes, two
spinning threads collapse (2 threads beside 2 busy processes tracked at 2.4 frames/s against 33 with passive waits;
docs/inference.md, "Threads on a busy machine"). libgomp reads ``OMP_WAIT_POLICY`` once, when torch loads, so it is
set here, before siamban imports torch: only when torch is not loaded yet and the user chose no policy or spin count.
A training run (``siamban train``, ``python -m siamban train``, torchrun's workers) keeps the active waits: it owns
its cores, and passive waits cost its many small backward kernels two thirds of their speed (default model, 2
threads, stage 5 training: 3.1 pairs/s passive against 9.1 active); ``OMP_WAIT_POLICY=PASSIVE`` still chooses them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping, Sequence


def is_training_command(argv: Sequence[str]) -> bool:
    """Whether ``argv`` (``sys.argv`` while siamban is imported) runs ``siamban train``: the console script, or
    ``python -m siamban train`` (argv[0] is ``-m`` while the package is imported)."""
    if len(argv) < 2 or argv[1] != "train":
        return False
    return os.path.basename(argv[0]) in ("siamban", "-m")


def quiet_openmp_waits(environ: MutableMapping[str, str] | None = None, argv: Sequence[str] | None = None) -> bool:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` in ``environ`` (default ``os.environ``) unless the user chose a policy or a
    spin count, or ``argv`` (default ``sys.argv``) is a training command; True when set. Takes effect only in
    processes that load torch afterwards (libgomp reads it once); processes started later inherit it, so spawned
    workers wait passively too."""
    env = os.environ if environ is None else environ
    if "OMP_WAIT_POLICY" in env or "GOMP_SPINCOUNT" in env:
        return False
    if is_training_command(sys.argv if argv is None else argv):
        return False
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    return True


os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

#: Whether importing siamban chose the passive policy for this process.
PASSIVE_SET = "torch" not in sys.modules and quiet_openmp_waits()
