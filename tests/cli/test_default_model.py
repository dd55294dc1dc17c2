"""The bundled default model and sample clip: the README's first command works on a fresh install."""

import re

import cv2
import numpy as np
import pytest
import torch

from siamban.assets import DEFAULT_CONFIG, default_weights, sample_clip
from siamban.cli import main
from siamban.config import resolve_config
from siamban.io.annotations import read_groundtruth, valid_boxes
from siamban.geometry import iou_xywh
from siamban.models import build_model, load_weights

#: Mean overlap of the shipped model on its sample clip: 0.773 when it shipped (siamban demo, 2 threads),
#: less a margin for the summation order other thread counts or CPUs give.
DEMO_MIN_OVERLAP = 0.70


def test_shipped_weights_are_small_fp32_and_fit_the_bundled_config():
    path = default_weights()
    assert path.stat().st_size < 20e6  # the ceiling for weights inside the package
    state = torch.load(path, map_location="cpu", weights_only=True)
    floating = [v for v in state.values() if v.is_floating_point()]
    assert floating and all(v.dtype == torch.float32 for v in floating)  # the trained values, unrounded
    load_weights(build_model(resolve_config(DEFAULT_CONFIG)), path)  # strict: raises on any misfit


@pytest.mark.slow
def test_demo_tracks_the_sample_with_the_default_model(tmp_path, capsys):
    assert main(["demo", "-o", str(tmp_path), "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    overlap = float(re.search(r"mean overlap with the sample's ground truth: ([0-9.]+)", printed).group(1))
    assert overlap >= DEMO_MIN_OVERLAP

    truth, _ = read_groundtruth(sample_clip().groundtruth)
    rows = np.loadtxt(tmp_path / "sample_boxes.txt", delimiter=",")
    assert rows.shape == (len(truth), 5)  # x, y, w, h, score for every frame
    assert np.allclose(rows[0, :4], truth[0], atol=1e-6)
    present = valid_boxes(truth)
    assert abs(np.mean(iou_xywh(rows[present, :4], truth[present])) - overlap) < 1e-3  # printed figure = the file's
    video = cv2.VideoCapture(str(tmp_path / "sample_tracked.mp4"))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == len(truth)
