"""A SiamBAN tracker as a ``got10k.trackers.Tracker``, so the GOT-10k toolkit's experiments (``ExperimentGOT10k``,
``ExperimentOTB``, ...) run it: ``init(image, box)`` and ``update(image) -> box`` on PIL images in RGB, boxes
``(x, y, w, h)`` passed through as the toolkit gives them (like every siamban benchmark reader, no origin shift).

The toolkit is an optional dependency (``pip install got10k``); importing this module without it is one
DependencyError saying so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from siamban.api import create_tracker
from siamban.config import SiamBANConfig
from siamban.errors import DependencyError, InputError
from siamban.inference import Precision

try:
    from got10k.trackers import Tracker
except ImportError:
    raise DependencyError("siamban.integrations.got10k_toolkit needs the GOT-10k toolkit: pip install got10k") from None


def rgb_array(image: Any) -> np.ndarray:
    """A PIL image (any mode) or an HxWx3 uint8 RGB array as a contiguous HxWx3 uint8 RGB array."""
    if hasattr(image, "convert") and hasattr(image, "mode"):
        image = image.convert("RGB") if image.mode != "RGB" else image
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3 or array.dtype != np.uint8:
        raise InputError(f"got10k image: expected a PIL image or an HxWx3 uint8 RGB array, got {array.dtype} "
                         f"{array.shape}")
    return np.ascontiguousarray(array)


class SiamBANGOT10kTracker(Tracker):
    """SiamBAN for the GOT-10k toolkit, built by ``siamban.create_tracker`` (the default model and its shipped
    weights when neither ``config`` nor ``weights`` is given; ``preset``, ``device``, ``precision``, ``backend`` as
    there). Deterministic: the toolkit runs it once per sequence."""

    def __init__(
        self,
        config: str | Path | SiamBANConfig | None = None,
        weights: str | Path | None = None,
        name: str = "SiamBAN",
        preset: str | None = None,
        device: str | None = None,
        precision: Precision = "fp32",
        backend: str = "torch",
    ) -> None:
        super().__init__(name=name, is_deterministic=True)
        self.tracker = create_tracker(config, weights, preset=preset, device=device, rgb=True, precision=precision,
                                      backend=backend)

    def init(self, image: Any, box: Sequence[float]) -> None:
        """Start on ``box`` (x, y, w, h) in the first frame ``image`` (PIL, RGB)."""
        self.tracker.init(rgb_array(image), [float(v) for v in box])

    def update(self, image: Any) -> np.ndarray:
        """The target's box (x, y, w, h) in the next frame ``image``."""
        return np.asarray(self.tracker.track(rgb_array(image)).box, dtype=np.float64)
