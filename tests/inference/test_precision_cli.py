"""``siamban track --precision`` and ``create_tracker(precision=..., optimize=...)``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from probe_model import write_probe_files
from siamban.api import create_tracker
from siamban.cli import main
from siamban.errors import ConfigError
from siamban.geometry import iou_xywh
from siamban.inference import InferenceModel
from siamban.models import SiamBAN


@pytest.fixture(scope="module")
def probe_files(tmp_path_factory):
    return write_probe_files(tmp_path_factory.mktemp("probe"), 12)


def test_create_tracker_optimizes_by_default(probe_files):
    root, _ = probe_files
    args = (str(root / "probe.yaml"), str(root / "probe.pth"))
    assert isinstance(create_tracker(*args, device="cpu").model, InferenceModel)
    assert create_tracker(*args, device="cpu", precision="bf16").model.dtype == torch.bfloat16
    assert isinstance(create_tracker(*args, device="cpu", optimize=False).model, SiamBAN)
    with pytest.raises(ConfigError, match="optimize"):
        create_tracker(*args, device="cpu", precision="bf16", optimize=False)


@pytest.mark.parametrize("extra", [["--precision", "bf16"], ["--no-optimize"]])
def test_track_command_runs_in_each_precision(probe_files, tmp_path, monkeypatch, extra):
    monkeypatch.setenv("OMP_NUM_THREADS", str(torch.get_num_threads()))  # the command sets the thread count
    root, boxes = probe_files
    out = tmp_path / "boxes.txt"
    init = ",".join(str(int(v)) for v in boxes[0])
    model = ["--config", str(root / "probe.yaml"), "--weights", str(root / "probe.pth"), "--device", "cpu"]
    assert main(["track", str(root / "frames"), "--init", init, "-o", str(out)] + model + extra) == 0
    rows = np.loadtxt(out, delimiter=",")
    assert rows.shape == (12, 5) and iou_xywh(rows[:, :4], boxes).mean() > 0.7
