"""Training datasets behind one interface (``TrackingDataset``): prepared crops, OTB-layout folders, memory."""

from siamban.data.datasets.base import FullFrameDataset, TrackingDataset
from siamban.data.datasets.folder import SequenceFolderDataset, sequence_roles
from siamban.data.datasets.memory import MemoryDataset, MemorySequence
from siamban.data.datasets.prepared import PreparedDataset

__all__ = [
    "FullFrameDataset",
    "MemoryDataset",
    "MemorySequence",
    "PreparedDataset",
    "SequenceFolderDataset",
    "TrackingDataset",
    "sequence_roles",
]
