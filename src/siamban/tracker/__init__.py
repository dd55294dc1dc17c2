"""Online inference: crops, the point grid, penalties, the cosine window, the target state, and batched tracking."""

from siamban.tracker.batch import BatchTracker
from siamban.tracker.tracker import SiamBANTracker, TrackerSnapshot, TrackingNetwork, TrackResult, default_device

__all__ = ["BatchTracker", "SiamBANTracker", "TrackResult", "TrackerSnapshot", "TrackingNetwork", "default_device"]
