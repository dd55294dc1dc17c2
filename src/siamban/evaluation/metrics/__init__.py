"""Benchmark metrics, vectorised with NumPy: one-pass (``ope``), VOT (``vot``) and the VOT region overlap
(``region``)."""

from siamban.evaluation.metrics.ope import (
    GOT10kResult,
    OPEResult,
    evaluate_got10k,
    evaluate_ope,
    normalized_precision_curve,
    precision_curve,
    success_curve,
)
from siamban.evaluation.metrics.region import axis_aligned_box, region_overlaps
from siamban.evaluation.metrics.vot import VOTResult, VOTSequenceRecord, eao_score, evaluate_vot, expected_overlaps

__all__ = [
    "GOT10kResult",
    "OPEResult",
    "VOTResult",
    "VOTSequenceRecord",
    "axis_aligned_box",
    "eao_score",
    "evaluate_got10k",
    "evaluate_ope",
    "evaluate_vot",
    "expected_overlaps",
    "normalized_precision_curve",
    "precision_curve",
    "region_overlaps",
    "success_curve",
]
