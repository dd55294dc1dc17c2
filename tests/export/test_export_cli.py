"""``siamban export onnx`` and ``siamban track --backend onnxruntime`` end to end on the probe model."""

import sys

import numpy as np
import pytest
import torch

from probe_model import probe_model, write_probe_files
from siamban.cli import main
from siamban.export import OnnxRuntimeModel

pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def probe_files(tmp_path_factory):
    return write_probe_files(tmp_path_factory.mktemp("probe"), 12)


def _model_args(root):
    return ["--config", str(root / "probe.yaml"), "--weights", str(root / "probe.pth")]


def test_export_onnx_command(probe_files, tmp_path, capsys):
    root, _ = probe_files
    assert main(["export", "onnx", str(tmp_path / "out"), *_model_args(root)]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "out" / "template.onnx").is_file() and (tmp_path / "out" / "track.onnx").is_file()
    assert "onnxruntime vs torch (4 outputs, batch 2): ok, max error" in out
    runtime = OnnxRuntimeModel(tmp_path / "out" / "template.onnx", tmp_path / "out" / "track.onnx", threads=1)
    model = probe_model()
    z, x = torch.rand(1, 3, 127, 127) * 255, torch.rand(1, 3, 255, 255) * 255
    with torch.no_grad():
        want = model.track(x, model.template(z))
    for got, ref in zip(runtime.track(x, runtime.template(z)), want):
        torch.testing.assert_close(got, ref, atol=1e-4, rtol=1e-5)


def test_track_with_the_onnxruntime_backend(probe_files, tmp_path, capsys):
    root, boxes = probe_files
    init = ",".join(str(int(v)) for v in boxes[0])
    runs = {}
    for backend in ("torch", "onnxruntime"):
        out = tmp_path / f"{backend}.txt"
        args = ["track", str(root / "square.avi"), "--init", init, "-o", str(out), "--backend", backend]
        assert main(args + _model_args(root)) == 0
        runs[backend] = np.loadtxt(out, delimiter=",")
    assert runs["onnxruntime"].shape == (12, 5)
    np.testing.assert_allclose(runs["onnxruntime"], runs["torch"], atol=1e-3)


def test_missing_onnxruntime_in_the_cli(probe_files, tmp_path, monkeypatch, capsys):
    root, boxes = probe_files
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    init = ",".join(str(int(v)) for v in boxes[0])
    code = main(["track", str(root / "square.avi"), "--init", init, "-o", str(tmp_path / "b.txt"),
                 "--backend", "onnxruntime", *_model_args(root)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "siamban track: error: the onnxruntime backend needs ONNX Runtime" in err
    assert main(["export", "onnx", str(tmp_path / "out"), *_model_args(root)]) == 2
    assert not (tmp_path / "out").exists()


def test_unsupported_opset_is_one_line(probe_files, tmp_path, capsys):
    root, _ = probe_files
    assert main(["export", "onnx", str(tmp_path / "out"), "--opset", "99", *_model_args(root)]) == 2
    assert capsys.readouterr().err.strip() == "siamban export: error: opset 99: the exporter writes opsets 9 to 20"
