"""Training datasets behind one interface (``TrackingDataset``): prepared crops and sequence folders."""

from siamban.data.datasets.base import FullFrameDataset, TrackingDataset
from siamban.data.datasets.folder import SequenceFolderDataset
from siamban.data.datasets.prepared import PreparedDataset

__all__ = ["FullFrameDataset", "PreparedDataset", "SequenceFolderDataset", "TrackingDataset"]
