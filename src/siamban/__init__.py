"""siamban: the SiamBAN visual object tracker (CVPR 2020) as a library.

>>> import siamban
>>> tracker = siamban.create_tracker("siamban_r50_l234", weights="model.pth", preset="vot2018")
>>> tracker.init(first_frame, (x, y, w, h))
>>> result = tracker.track(next_frame)   # result.box == (x, y, w, h), result.score
"""

from siamban import _environment  # noqa: F401  (first: native libraries read these settings when they load)
from siamban.api import create_tracker
from siamban.config import SiamBANConfig, TrackConfig, load_config, resolve_config, with_tracker_preset
from siamban.errors import CheckpointError, ConfigError, DatasetError, InputError, SiamBANError
from siamban.models import SiamBAN, build_model, load_weights
from siamban.tracker import BatchTracker, SiamBANTracker, TrackResult

Tracker = SiamBANTracker

__version__ = "0.1.0"

__all__ = [
    "BatchTracker",
    "CheckpointError",
    "ConfigError",
    "DatasetError",
    "InputError",
    "SiamBAN",
    "SiamBANConfig",
    "SiamBANError",
    "SiamBANTracker",
    "TrackConfig",
    "TrackResult",
    "Tracker",
    "build_model",
    "create_tracker",
    "load_config",
    "load_weights",
    "resolve_config",
    "with_tracker_preset",
]
