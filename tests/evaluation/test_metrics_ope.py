"""One-pass metrics against hand-computed values and against the GOT-10k toolkit (PyPI ``got10k``) as an oracle."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from siamban.evaluation.metrics.ope import (
    evaluate_got10k,
    evaluate_ope,
    normalized_precision_curve,
    precision_curve,
    success_curve,
)

GT = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 0, 0]], dtype=float)
PRED = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [20, 20, 10, 10], [3, 3, 4, 4]], dtype=float)


def test_success_curve_by_hand():
    # IoUs 1, 1/3, 0 and -1 (zero-size ground truth never succeeds, still counts): 21 thresholds 0..1.
    curve = success_curve(GT, PRED)
    np.testing.assert_allclose(curve, [0.5] * 7 + [0.25] * 13 + [0.0])
    assert evaluate_ope([("a", GT, PRED, None)]).auc == pytest.approx(6.75 / 21)


def test_precision_quirk_and_got10k_convention_by_hand():
    # Centre errors 0, 5, 20*sqrt(2); frame 3's ground-truth centre is (-0.5, -0.5): pysot counts it within every
    # threshold, the GOT-10k toolkit measures it (7.07 px).
    pysot = precision_curve(GT, PRED)
    assert pysot[0] == 0.5 and pysot[4] == 0.5 and pysot[5] == 0.75 and pysot[28] == 0.75 and pysot[29] == 1.0
    got = precision_curve(GT, PRED, toolkit="got10k")
    assert got[0] == 0.25 and got[5] == 0.5 and got[8] == 0.75 and got[29] == 1.0
    assert evaluate_ope([("a", GT, PRED, None)]).precision20 == 0.75


def test_normalized_precision_by_hand():
    gt = np.array([[0, 0, 10, 20], [0, 0, 10, 20]], dtype=float)
    pred = np.array([[2, 4, 10, 20], [0, 0, 10, 20]], dtype=float)
    # normalised centres (0.45, 0.475) vs (0.65, 0.675): distance sqrt(0.08) = 0.283
    curve = normalized_precision_curve(gt, pred)
    assert curve[20] == 0.5 and curve[28] == 0.5 and curve[29] == 1.0


def test_absent_frames_count_as_misses_with_pysot():
    gt = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]], dtype=float)
    absent = np.array([False, True, False])
    assert success_curve(gt, gt, absent)[10] == pytest.approx(2 / 3)
    assert success_curve(gt, gt, absent, toolkit="got10k")[10] == 1.0


def _random_boxes(rng, n):
    gt = np.column_stack([rng.uniform(1, 200, n), rng.uniform(1, 200, n), rng.uniform(5, 80, n), rng.uniform(5, 80, n)])
    pred = gt + rng.normal(0, 12, gt.shape)
    pred[:, 2:] = np.abs(pred[:, 2:]) + 1
    return gt, pred


def test_otb_curves_agree_with_got10k_toolkit():
    from got10k.experiments.otb import ExperimentOTB
    from got10k.utils.metrics import center_error, rect_iou

    rng = np.random.default_rng(0)
    oracle = SimpleNamespace(nbins_iou=21, nbins_ce=51)
    rows, ref_succ, ref_prec = [], [], []
    for s in range(5):
        gt, pred = _random_boxes(rng, 60)
        rows.append((f"s{s}", gt, pred, None))
        boxes = pred.copy()
        boxes[0] = gt[0]  # the toolkit's report replaces the first box by the ground truth
        succ, prec = ExperimentOTB._calc_curves(oracle, rect_iou(boxes, gt), center_error(boxes, gt))
        ref_succ.append(succ)
        ref_prec.append(prec)
    ours = evaluate_ope(rows, "got10k")
    np.testing.assert_allclose(ours.success, ref_succ, atol=1e-12)
    np.testing.assert_allclose(ours.precision, ref_prec, atol=1e-12)
    assert ours.auc == pytest.approx(np.mean(np.mean(ref_succ, axis=0)), abs=1e-12)
    assert ours.precision20 == pytest.approx(np.mean(ref_prec, axis=0)[20], abs=1e-12)
    # on clean data (positive sizes and centres) pysot's convention coincides too, once the first box is the truth
    # (pysot scores the first frame as written)
    fixed = [(n, g, np.vstack([g[:1], p[1:]]), a) for n, g, p, a in rows]
    np.testing.assert_allclose(evaluate_ope(fixed, "pysot").success, ref_succ, atol=1e-12)
    np.testing.assert_allclose(evaluate_ope(fixed, "pysot").precision, ref_prec, atol=1e-12)


def test_got10k_ao_sr_agree_with_got10k_toolkit():
    from got10k.experiments.got10k import ExperimentGOT10k
    from got10k.utils.metrics import rect_iou

    rng = np.random.default_rng(1)
    rows, pooled = [], []
    for s in range(4):
        gt, pred = _random_boxes(rng, 40)
        pred[5] = [250, 250, 90, 90]  # partly outside the 256 x 240 image: the bound clips it
        absent = rng.random(40) < 0.2
        rows.append((f"v{s}", gt, pred, absent, (256, 240)))
        ious = rect_iou(pred[1:].copy(), gt[1:].copy(), bound=(256, 240))
        pooled.append(ious[~absent[1:]])
    ours = evaluate_got10k(rows)
    ao, sr, _speed, curve = ExperimentGOT10k._evaluate(None, np.concatenate(pooled), np.zeros(0))
    assert ours.ao == pytest.approx(ao, abs=1e-12)
    assert ours.sr50 == pytest.approx(sr, abs=1e-12)
    np.testing.assert_allclose(ours.success, curve, atol=1e-12)


def test_got10k_ao_by_hand():
    gt = np.array([[0, 0, 10, 10]] * 3, dtype=float)
    pred = np.array([[50, 50, 5, 5], [5, 0, 10, 10], [0, 0, 10, 10]], dtype=float)
    # frame 0 is skipped; IoUs 1/3 and 1; the second frame is absent in the second run
    assert evaluate_got10k([("a", gt, pred, None, (100, 100))]).ao == pytest.approx((1 / 3 + 1) / 2)
    result = evaluate_got10k([("a", gt, pred, np.array([False, False, True]), (100, 100))])
    assert result.ao == pytest.approx(1 / 3) and result.sr50 == 0.0
