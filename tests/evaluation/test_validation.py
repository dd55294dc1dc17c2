"""The training-time validation pass: a model tracks a folder of sequences and reports its success AUC and
precision, equal to what ``track_and_score`` gives the same tracker."""

from __future__ import annotations

import pytest

from bench_fakes import write_shared_layout
from probe_model import PROBE_CONFIG, probe_model
from siamban.api import LoadedNetwork
from siamban.evaluation import load_benchmark, track_and_score
from siamban.evaluation.validation import benchmark_validator


def test_validator_scores_the_model_like_the_benchmark_runner(tmp_path):
    root = tmp_path / "sequences"
    write_shared_layout(root, {"a_val": "val", "b_train": "train"}, frames=8)
    bench = load_benchmark("folders", root, roles=["val"])
    model = probe_model().eval()
    figures = benchmark_validator(bench, PROBE_CONFIG)(model)
    reference = track_and_score(bench, LoadedNetwork(model, PROBE_CONFIG, next(model.parameters()).device).tracker(),
                                None, "ref", show_progress=False).summary
    assert set(figures) == {"auc", "precision"}
    assert figures["auc"] == pytest.approx(reference["success_auc"]) and figures["precision"] == reference["precision"]
    assert figures["auc"] > 0.6  # the probe model follows the square
