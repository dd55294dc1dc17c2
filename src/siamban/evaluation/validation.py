"""A validation pass for training: the model being trained tracks a benchmark after each epoch (``siamban train
--val-root DIR``); the trainer logs its success AUC and precision as ``val/auc`` and ``val/precision``."""

from __future__ import annotations

from typing import Callable, Mapping

import torch

from siamban.api import LoadedNetwork
from siamban.config import SiamBANConfig
from siamban.evaluation.datasets import Benchmark
from siamban.evaluation.evaluate import track_and_score
from siamban.models import SiamBAN


def benchmark_validator(
    benchmark: Benchmark, config: SiamBANConfig
) -> Callable[[SiamBAN], Mapping[str, float]]:
    """A function scoring a model (in eval mode, on its own device) on every sequence of ``benchmark``, one-pass:
    ``{"auc": success AUC, "precision": precision at 20 px}``. Result files go to a temporary folder."""
    if benchmark.protocol != "ope":
        raise ValueError(f"validation runs one-pass benchmarks; {benchmark.name} is {benchmark.protocol}")

    def validate(model: SiamBAN) -> Mapping[str, float]:
        device = next(model.parameters()).device
        tracker = LoadedNetwork(model, config, torch.device(device)).tracker()
        scores = track_and_score(benchmark, tracker, None, "val", show_progress=False)
        return {"auc": float(scores.summary["success_auc"]), "precision": float(scores.summary["precision"])}

    return validate
