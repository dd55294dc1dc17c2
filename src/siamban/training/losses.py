"""The SiamBAN training loss: cross entropy on selected grid points plus the IoU loss on positives.

As in the official code (``siamban/models/loss.py``): classification is the negative log-likelihood of the
log-softmax, averaged over positive points and over negative points separately and mixed 0.5 / 0.5 (ignored points,
label -1, do not count); regression is the mean over positive points of ``1 - IoU``, with the IoU of two boxes given
as (l, t, r, b) distances from the same point and smoothed as ``(inter + 1) / (union + 1)``.

One deliberate difference: where a batch has no positive point (all negative pairs) the official code's regression
term is the mean of nothing (an assertion error or NaN); here that term, like an empty classification term, is 0.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F


class LossTerms(NamedTuple):
    """The weighted total and its two parts (scalar tensors; ``total`` carries the gradient)."""

    total: torch.Tensor
    cls: torch.Tensor
    loc: torch.Tensor


def _mean_or_zero(values: torch.Tensor) -> torch.Tensor:
    # The sum of an empty selection is 0 and stays connected to the graph, so DDP sees a gradient for every
    # parameter even when a rank's batch holds no positive point.
    return values.sum() / max(values.numel(), 1)


def select_cross_entropy_loss(cls_logits: torch.Tensor, label_cls: torch.Tensor) -> torch.Tensor:
    """0.5 * NLL over positive points + 0.5 * NLL over negative points of two-class logits (B, 2, H, W).

    ``label_cls`` (B, H, W) holds 1 (positive), 0 (negative) or -1 (ignored). An empty class contributes 0.
    """
    log_probs = F.log_softmax(cls_logits.float(), dim=1).permute(0, 2, 3, 1).reshape(-1, 2)
    labels = label_cls.reshape(-1)
    positive = -log_probs[labels == 1, 1]
    negative = -log_probs[labels == 0, 0]
    return 0.5 * _mean_or_zero(positive) + 0.5 * _mean_or_zero(negative)


def ltrb_iou_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-row ``1 - (inter + 1) / (union + 1)`` of boxes given as (l, t, r, b) distances from a common point (N, 4).

    The +1 smoothing (the official ``linear_iou``) keeps the loss finite for degenerate boxes; it is why this is not
    ``siamban.geometry``'s IoU.
    """
    pred_l, pred_t, pred_r, pred_b = pred.unbind(-1)
    tgt_l, tgt_t, tgt_r, tgt_b = target.unbind(-1)
    pred_area = (pred_l + pred_r) * (pred_t + pred_b)
    tgt_area = (tgt_l + tgt_r) * (tgt_t + tgt_b)
    inter_w = torch.minimum(pred_l, tgt_l) + torch.minimum(pred_r, tgt_r)
    inter_h = torch.minimum(pred_t, tgt_t) + torch.minimum(pred_b, tgt_b)
    inter = inter_w * inter_h
    union = pred_area + tgt_area - inter
    return 1.0 - (inter + 1.0) / (union + 1.0)


def select_iou_loss(loc: torch.Tensor, label_loc: torch.Tensor, label_cls: torch.Tensor) -> torch.Tensor:
    """Mean IoU loss over the positive points of predicted (B, 4, H, W) distances against ``label_loc`` (B, 4, H, W)."""
    positive = label_cls.reshape(-1) == 1
    pred = loc.float().permute(0, 2, 3, 1).reshape(-1, 4)[positive]
    target = label_loc.float().permute(0, 2, 3, 1).reshape(-1, 4)[positive]
    return _mean_or_zero(ltrb_iou_loss(pred, target))


def siamban_loss(
    cls_logits: torch.Tensor,
    loc: torch.Tensor,
    label_cls: torch.Tensor,
    label_loc: torch.Tensor,
    cls_weight: float = 1.0,
    loc_weight: float = 1.0,
) -> LossTerms:
    """``cls_weight * cross entropy + loc_weight * IoU loss`` (``TRAIN.CLS_WEIGHT``, ``TRAIN.LOC_WEIGHT``), in
    float32."""
    cls = select_cross_entropy_loss(cls_logits, label_cls)
    loc_loss = select_iou_loss(loc, label_loc, label_cls)
    return LossTerms(cls_weight * cls + loc_weight * loc_loss, cls, loc_loss)
