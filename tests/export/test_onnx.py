"""ONNX export: both graphs reproduce PyTorch in ONNX Runtime, and the trackers run on them unchanged."""

import sys

import numpy as np
import pytest
import torch

from probe_model import PROBE_CONFIG, moving_square_video, probe_model
from siamban import BatchTracker, SiamBANTracker, create_tracker
from siamban.config import resolve_config, save_config
from siamban.errors import ConfigError, DependencyError
from siamban.export import export_onnx, kernel_names, onnx_backend
from siamban.models import build_model
from siamban.tracker.sequence import track_frames

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def probe_runtime():
    return onnx_backend(probe_model(), PROBE_CONFIG, threads=1)


def with_batch_statistics(model):
    """Random weights with every BatchNorm set to the statistics of a random batch: maps of a trained network's
    order of magnitude (uncalibrated, they shrink to denormals or overflow the regression's exp)."""
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # a cumulative average: the statistics of the batches seen
    model.train()
    with torch.no_grad():
        model(torch.rand(2, 3, 127, 127) * 255, torch.rand(2, 3, 255, 255) * 255)
    return model.eval()


def _check_export(name, tmp_path):
    cfg = resolve_config(name)
    # random weights: BACKBONE.PRETRAINED is only read by the trainer, building for inference downloads nothing
    model = with_batch_statistics(build_model(cfg))
    result = export_onnx(model, cfg, tmp_path)
    assert result.check.passed
    for output in result.check.outputs:
        assert 0.1 < output.scale < 1e4, output
    template, track = onnx.load(result.template_path), onnx.load(result.track_path)
    onnx.checker.check_model(template)
    onnx.checker.check_model(track)
    names = list(kernel_names(model))
    assert names[:2] == ["box2_cls", "box2_loc"] and len(names) == 6
    assert [o.name for o in template.graph.output] == names
    assert [i.name for i in track.graph.input] == ["x", *names]
    assert [o.name for o in track.graph.output] == ["cls", "loc"]
    assert track.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"  # checked at batch 2, traced at 1
    assert result.check.batch == 2
    return result


@pytest.mark.slow
def test_lite0_graphs_match_torch(tmp_path):
    result = _check_export("siamban_lite0", tmp_path)
    assert result.check.error <= 1e-4  # max |onnxruntime - torch| / max(1, max |torch|) over every output
    assert all(o.onnx_vs_float64 is None for o in result.check.outputs)  # no float64 fallback needed
    assert result.template_path.name == "template.onnx" and result.track_path.name == "track.onnx"


@pytest.mark.slow
def test_r50_graphs_match_torch(tmp_path):
    result = _check_export("siamban_r50_l234", tmp_path)
    # layer 4 of a random ResNet-50 differs from torch by ~1.5e-4 of its scale: float32 rounding, since torch float32
    # itself is as far from the float64 network; the check then judges both against float64
    assert result.check.error <= 5e-4
    for output in result.check.outputs:
        if output.onnx_vs_float64 is not None:
            assert output.onnx_vs_float64 <= 2 * output.torch_vs_float64, output


def test_wider_search_crop_runs_in_the_same_graph(probe_runtime):
    model, runtime = probe_model(), probe_runtime
    z, x = torch.rand(2, 3, 127, 127) * 255, torch.rand(2, 3, 319, 319) * 255  # a lost target's wider search region
    with torch.no_grad():
        want = model.track(x, model.template(z))
    got = runtime.track(x, runtime.template(z))
    assert got[0].shape == want[0].shape == (2, 2, 33, 33)
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-5)


def test_tracker_on_onnxruntime_gives_the_torch_boxes(probe_runtime):
    frames, boxes = moving_square_video(20)
    model = probe_model()
    torch_boxes = [r.box for _, _, r in track_frames(SiamBANTracker(model, PROBE_CONFIG.track, device="cpu"),
                                                     frames, boxes[0])]
    ort = SiamBANTracker(probe_runtime, PROBE_CONFIG.track, device="cpu")
    ort_boxes = [r.box for _, _, r in track_frames(ort, frames, boxes[0])]
    np.testing.assert_allclose(ort_boxes, torch_boxes, atol=1e-3)
    assert np.ptp(np.array(ort_boxes)[:, 0]) > 50  # the square moved, and the boxes with it


def test_batch_tracker_on_onnxruntime(probe_runtime):
    frames, boxes = moving_square_video(8)
    model = probe_model()
    runs = {}
    for backend, network in (("torch", model), ("onnxruntime", probe_runtime)):
        batch = BatchTracker(network, PROBE_CONFIG.track, device="cpu")
        batch.add(frames[0], boxes[0])
        runs[backend] = []
        for i in range(1, 8):
            if i == 3:
                batch.add(frames[i], boxes[i] + (3, 3, 0, 0))  # the batch grows from 1 to 2
            runs[backend].append([r.box for r in batch.track(frames[i]).values()])
    assert [len(step) for step in runs["onnxruntime"]] == [1, 1, 2, 2, 2, 2, 2]
    for a, b in zip(runs["onnxruntime"], runs["torch"]):
        np.testing.assert_allclose(a, b, atol=1e-3)


def test_missing_onnxruntime_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now raises ImportError
    with pytest.raises(DependencyError, match=r"pip install 'siamban\[onnx\]'"):
        onnx_backend(probe_model(), PROBE_CONFIG)
    save_config(PROBE_CONFIG, tmp_path / "probe.yaml")
    torch.save(probe_model().state_dict(), tmp_path / "probe.pth")
    with pytest.raises(DependencyError, match="needs ONNX Runtime"):
        create_tracker(tmp_path / "probe.yaml", tmp_path / "probe.pth", backend="onnxruntime")
    with pytest.raises(ConfigError, match="unknown backend 'tensorrt'"):
        create_tracker(tmp_path / "probe.yaml", tmp_path / "probe.pth", backend="tensorrt")


def test_sessions_use_torch_threads_and_do_not_spin():
    from siamban.export.runtime import session_options

    options = session_options()
    assert options.intra_op_num_threads == torch.get_num_threads() and session_options(3).intra_op_num_threads == 3
    # busy-waiting workers would take the cores from the crop and post-processing between frames
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
