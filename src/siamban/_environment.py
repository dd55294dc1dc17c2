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

#: Whether importing siamban chose the passive policy for this process.
PASSIVE_SET = False

os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

if "torch" not in sys.modules and "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    PASSIVE_SET = True
