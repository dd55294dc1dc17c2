"""Access to the official implementation's golden outputs in ``../shared/golden`` (see its README)."""

from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import torch

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GOLDEN = SHARED / "golden"
KEYS_FILE = GOLDEN / "siamban_r50_l234_keys.json"
GOLDEN_FILE = GOLDEN / "siamban_r50_l234_golden.npz"

if os.environ.get("CI", "").lower() in ("1", "true", "yes") and not GOLDEN_FILE.is_file():
    raise RuntimeError(f"CI is set but {GOLDEN_FILE} is missing: the golden tests would be skipped silently")

needs_golden = pytest.mark.skipif(not GOLDEN_FILE.is_file(), reason="../shared/golden is not present")


def official_keys() -> list[tuple[str, list[int]]]:
    return [(name, shape) for name, shape in json.loads(KEYS_FILE.read_text())]


@lru_cache(maxsize=1)
def golden_arrays() -> dict[str, np.ndarray]:
    with np.load(GOLDEN_FILE) as data:
        return {k: data[k] for k in data.files}


def formula_state_dict(bn_stats: dict[str, np.ndarray] | None = None) -> dict[str, torch.Tensor]:
    """The golden weights: the formula of golden/README.md applied to every official key, in order."""
    golden = golden_arrays() if bn_stats is None else bn_stats
    state = {}
    for k, (name, shape) in enumerate(official_keys()):
        last = name.rsplit(".", 1)[-1]
        if last == "num_batches_tracked":
            state[name] = torch.tensor(0, dtype=torch.int64)
            continue
        if last in ("running_mean", "running_var"):
            state[name] = torch.from_numpy(np.asarray(golden[f"bn/{name}"], dtype=np.float32).reshape(shape))
            continue
        n = math.prod(shape) if shape else 1
        u = np.mod(np.arange(1, n + 1, dtype=np.float64) * 0.6180339887498949 + k * 0.41421356237309503, 1.0)
        if len(shape) >= 2:
            value = (u - 0.5) * math.sqrt(12.0 / math.prod(shape[1:]))
        elif last in ("cls_weight", "loc_weight", "loc_scale"):
            value = 1 + (u - 0.5) * 0.5
        elif last == "weight":
            value = 1 + (u - 0.5) * 0.2
        elif last == "bias":
            value = (u - 0.5) * 0.2
        else:
            raise AssertionError(f"no formula for {name}")
        state[name] = torch.from_numpy(value.astype(np.float32).reshape(shape))
    return state
