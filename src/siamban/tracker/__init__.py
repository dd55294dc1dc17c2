"""Online inference: crops, the point grid, penalties, the cosine window and the target state."""

from siamban.tracker.tracker import SiamBANTracker, TrackResult, default_device

__all__ = ["SiamBANTracker", "TrackResult", "default_device"]
