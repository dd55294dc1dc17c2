"""The loss against values computed by hand."""

from __future__ import annotations

import math

import pytest
import torch

from siamban.training.losses import ltrb_iou_loss, select_cross_entropy_loss, select_iou_loss, siamban_loss


def _cls_map(pairs: list[tuple[float, float]]) -> torch.Tensor:
    """Logits (1, 2, 1, N) from (background, foreground) pairs."""
    return torch.tensor(pairs, dtype=torch.float32).T.reshape(1, 2, 1, len(pairs))


def test_cross_entropy_averages_positives_and_negatives_separately():
    # Positives: p(fg) = 3/4 and 1/2 -> NLL ln(4/3), ln 2. Negatives: p(bg) = 1/5 -> ln 5. Ignored: anything.
    logits = _cls_map([(0.0, math.log(3)), (0.0, 0.0), (0.0, math.log(4)), (100.0, -100.0)])
    labels = torch.tensor([[[1, 1, 0, -1]]])
    expected = 0.5 * (math.log(4 / 3) + math.log(2)) / 2 + 0.5 * math.log(5)
    assert select_cross_entropy_loss(logits, labels).item() == pytest.approx(expected, rel=1e-6)


def test_cross_entropy_without_positives_keeps_half_the_negative_term():
    logits = _cls_map([(math.log(3), 0.0), (0.0, 0.0)])  # p(bg) = 3/4 and 1/2
    labels = torch.tensor([[[0, 0]]])
    expected = 0.5 * (math.log(4 / 3) + math.log(2)) / 2
    assert select_cross_entropy_loss(logits, labels).item() == pytest.approx(expected, rel=1e-6)


def test_iou_loss_of_ltrb_pairs_is_smoothed_by_one():
    # Pred 4x4 box (2, 2, 2, 2); target (1, 3, 3, 1) also 4x4: intersection 3x3 = 9, union 16 + 16 - 9 = 23.
    pred = torch.tensor([[2.0, 2.0, 2.0, 2.0], [5.0, 5.0, 5.0, 5.0]])
    target = torch.tensor([[1.0, 3.0, 3.0, 1.0], [5.0, 5.0, 5.0, 5.0]])
    losses = ltrb_iou_loss(pred, target)
    assert losses.tolist() == pytest.approx([1 - 10 / 24, 0.0], abs=1e-7)


def test_iou_loss_selects_positive_points_only():
    # Two points on a 1x2 grid: the positive one holds the 7/12 case above, the other one garbage that must not count.
    loc = torch.tensor([[2.0, 0.001], [2.0, 0.001], [2.0, 0.001], [2.0, 0.001]]).reshape(1, 4, 1, 2)
    label_loc = torch.tensor([[1.0, 50.0], [3.0, 50.0], [3.0, 50.0], [1.0, 50.0]]).reshape(1, 4, 1, 2)
    labels = torch.tensor([[[1, 0]]])
    assert select_iou_loss(loc, label_loc, labels).item() == pytest.approx(7 / 12, rel=1e-6)


def test_total_is_the_weighted_sum_and_an_empty_selection_still_reaches_every_output():
    logits = _cls_map([(0.0, math.log(3)), (0.0, math.log(4))]).requires_grad_()
    loc = torch.full((1, 4, 1, 2), 2.0, requires_grad=True)
    label_loc = torch.tensor([1.0, 3.0, 3.0, 1.0]).reshape(1, 4, 1, 1).repeat(1, 1, 1, 2)
    labels = torch.tensor([[[1, 0]]])
    terms = siamban_loss(logits, loc, labels, label_loc, cls_weight=2.0, loc_weight=3.0)
    cls = 0.5 * math.log(4 / 3) + 0.5 * math.log(5)
    assert terms.cls.item() == pytest.approx(cls, rel=1e-6)
    assert terms.loc.item() == pytest.approx(7 / 12, rel=1e-6)
    assert terms.total.item() == pytest.approx(2 * cls + 3 * 7 / 12, rel=1e-6)

    # No positive point: the regression term is 0 (the official code would fail), with a zero gradient rather than
    # none, so DistributedDataParallel sees every parameter take part in every step.
    loc.grad = None
    terms = siamban_loss(logits, loc, torch.tensor([[[0, -1]]]), label_loc)
    assert terms.loc.item() == 0.0
    terms.total.backward()
    assert loc.grad is not None and torch.count_nonzero(loc.grad) == 0


def test_iou_loss_gradient_pushes_a_small_prediction_to_grow():
    pred = torch.tensor([[2.0, 2.0, 2.0, 2.0]], requires_grad=True)
    ltrb_iou_loss(pred, torch.tensor([[10.0, 10.0, 10.0, 10.0]])).sum().backward()
    assert torch.all(pred.grad < 0)
