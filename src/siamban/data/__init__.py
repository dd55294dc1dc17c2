"""Training data: dataset preparation, one dataset interface, the pair sampler, augmentation, labels and generated
sequences.

``build_pair_dataset(cfg)`` gives the ``torch.utils.data.Dataset`` of training pairs the trainer consumes;
``prepare_dataset`` (``siamban prepare``) converts raw releases into the prepared layout it reads.
"""

from siamban.data.augmentation import Augmentation
from siamban.data.crop import CROP_SIZE, box_in_context_crop, context_crop, warp_crop
from siamban.data.datasets import (
    FullFrameDataset,
    PreparedDataset,
    SequenceFolderDataset,
    TrackingDataset,
)
from siamban.data.labels import LABEL_SHAPES, assign_labels, label_points, label_regions
from siamban.data.pairs import PairDataset, build_dataset, build_pair_dataset
from siamban.data.prepare import PrepareSummary, prepare_dataset
from siamban.data.sampler import FrameRef, PairSampler, PairSpec

__all__ = [
    "CROP_SIZE",
    "LABEL_SHAPES",
    "Augmentation",
    "FrameRef",
    "FullFrameDataset",
    "PairDataset",
    "PairSampler",
    "PairSpec",
    "PrepareSummary",
    "PreparedDataset",
    "SequenceFolderDataset",
    "TrackingDataset",
    "assign_labels",
    "box_in_context_crop",
    "build_dataset",
    "build_pair_dataset",
    "context_crop",
    "label_points",
    "label_regions",
    "prepare_dataset",
    "warp_crop",
]
