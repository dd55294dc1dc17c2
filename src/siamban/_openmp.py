"""Imported first by ``siamban/__init__.py``: the OpenMP wait policy, set before torch loads.

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

if "torch" not in sys.modules and "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    PASSIVE_SET = True
