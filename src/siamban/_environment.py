"""Imported first by ``siamban/__init__.py``: settings native libraries read once, when they load.

OpenCV's and FFmpeg's own log lines ("moov atom not found", "[ WARN:0] ... can't open/read file") would otherwise
appear above the one-line errors siamban gives for the same problem: ``OPENCV_LOG_LEVEL=ERROR`` and
``OPENCV_FFMPEG_LOGLEVEL=-8`` (quiet) unless the user set them.

torch's OpenMP threads spin while they wait for work. On a machine whose cores are busy with other processes, two
spinning threads collapse (2 threads beside 2 busy processes tracked at 2.4 frames/s against 33 with passive waits;
docs/inference.md, "Threads on a busy machine"). libgomp reads ``OMP_WAIT_POLICY`` once, when torch loads, so it is
set here, before siamban imports torch: only when torch is not loaded yet and the user chose no policy or spin count.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping


def quiet_openmp_waits(environ: MutableMapping[str, str] | None = None) -> bool:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` in ``environ`` (default ``os.environ``) unless the user chose a policy or a
    spin count; True when set. Takes effect only in processes that load torch afterwards (libgomp reads it once);
    processes started later inherit it, so spawned workers wait passively too."""
    env = os.environ if environ is None else environ
    if "OMP_WAIT_POLICY" in env or "GOMP_SPINCOUNT" in env:
        return False
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    return True


os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

#: Whether importing siamban chose the passive policy for this process.
PASSIVE_SET = "torch" not in sys.modules and quiet_openmp_waits()
