"""Training: the loss, the learning-rate schedule, backbone staging, snapshots, DDP set-up and the loop.

>>> from siamban.training import train
>>> summary = train(cfg, dataset, "runs/r50")      # under torchrun: every process runs the same call
"""

from siamban.training.snapshots import latest_checkpoint, load_checkpoint, save_checkpoint
from siamban.training.losses import LossTerms, ltrb_iou_loss, select_cross_entropy_loss, select_iou_loss, siamban_loss
from siamban.training.optim import build_optimizer, param_groups, set_backbone_stage
from siamban.training.schedule import EpochLRScheduler, LRSchedule, build_lr_schedule
from siamban.training.trainer import EpochStats, TrainSummary, train, train_step

__all__ = [
    "EpochLRScheduler",
    "EpochStats",
    "LRSchedule",
    "LossTerms",
    "TrainSummary",
    "build_lr_schedule",
    "build_optimizer",
    "latest_checkpoint",
    "load_checkpoint",
    "ltrb_iou_loss",
    "param_groups",
    "save_checkpoint",
    "select_cross_entropy_loss",
    "select_iou_loss",
    "set_backbone_stage",
    "siamban_loss",
    "train",
    "train_step",
]
