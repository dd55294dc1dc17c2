"""Exported graphs carry their config; ``--backend onnxruntime --weights EXPORT`` runs them without exporting again."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
import torch
import yaml

import siamban
from probe_model import PROBE_CONFIG, moving_square_video, probe_model
from siamban.api import load_network
from siamban.cli import main
from siamban.config import config_from_dict, resolve_config, save_config
from siamban.errors import CheckpointError, ConfigError
from siamban.export import OnnxRuntimeModel, export_graphs, load_exported, onnx_export
from siamban.tracker.sequence import track_frames

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """A fresh export of the probe model: its folder, and the graphs in memory."""
    folder = tmp_path_factory.mktemp("export")
    graphs = export_graphs(probe_model(), PROBE_CONFIG)
    graphs.save(folder)
    return folder, graphs


@pytest.fixture
def exported(export):
    return export[0]


def refuse_exports(monkeypatch) -> None:
    """Any export from here on fails the test: loading an export must not make one."""

    def refuse(*args, **kwargs):
        raise AssertionError("the exporter ran")

    monkeypatch.setattr(onnx_export, "export_graphs", refuse)
    monkeypatch.setattr(onnx_export, "_export", refuse)
    monkeypatch.setattr(torch.onnx, "export", refuse)


@pytest.fixture
def no_exporter(monkeypatch):
    refuse_exports(monkeypatch)


def test_graphs_carry_name_config_sizes_and_version(exported):
    for name, graph in (("template.onnx", "template"), ("track.onnx", "track")):
        meta = {p.key: p.value for p in onnx.load(exported / name).metadata_props}
        assert meta["siamban.graph"] == graph
        assert meta["siamban.model"] == "brightness_probe"
        assert meta["siamban.exemplar_size"] == "127" and meta["siamban.instance_size"] == "255"
        assert meta["siamban.kernel_names"] == "box2_cls,box2_loc"
        assert meta["siamban.opset"] == "17" and meta["siamban.version"] == siamban.__version__
        assert config_from_dict(yaml.safe_load(meta["siamban.config"])) == PROBE_CONFIG


def test_loading_an_export_matches_a_fresh_export_without_exporting(export, monkeypatch):
    exported, graphs = export
    generator = torch.Generator().manual_seed(3)
    z = torch.rand(2, 3, 127, 127, generator=generator) * 255
    x = torch.rand(2, 3, 255, 255, generator=generator) * 255
    fresh = OnnxRuntimeModel(graphs.template, graphs.track, threads=1)  # the export as it came from the exporter
    fresh_kernels = fresh.template(z)
    fresh_cls, fresh_loc = fresh.track(x, fresh_kernels)

    refuse_exports(monkeypatch)
    loaded = load_network(weights=exported, backend="onnxruntime")
    assert isinstance(loaded.network, OnnxRuntimeModel) and loaded.config == PROBE_CONFIG
    assert loaded.device == torch.device("cpu") and not loaded.device_crop
    kernels = loaded.network.template(z)
    cls, loc = loaded.network.track(x, kernels)
    assert cls.shape == (2, 2, 25, 25) and loc.shape == (2, 4, 25, 25)
    for a, b in zip(kernels, fresh_kernels):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)
    torch.testing.assert_close(cls, fresh_cls, rtol=0, atol=1e-5)
    torch.testing.assert_close(loc, fresh_loc, rtol=0, atol=1e-5)
    with torch.no_grad():
        torch_cls, torch_loc = probe_model().track(x, probe_model().template(z))
    torch.testing.assert_close(cls, torch_cls, rtol=0, atol=1e-4)
    torch.testing.assert_close(loc, torch_loc, rtol=0, atol=1e-4)
    assert float(cls.abs().max()) > 1.0  # real maps, not zeros


def test_tracker_on_a_loaded_export_follows_the_square(exported, no_exporter):
    frames, boxes = moving_square_video(12)
    tracker = load_network(weights=exported / "track.onnx", backend="onnxruntime").tracker()
    tracked = np.array([result.box for _, _, result in track_frames(tracker, frames, boxes[0])])
    errors = np.abs(tracked[1:, :2] - boxes[1:, :2])
    assert errors.max() <= 4.0, errors.max()


def test_an_export_of_another_config_is_one_line(exported, no_exporter, tmp_path, capsys):
    lite0 = resolve_config("siamban_lite0")
    with pytest.raises(ConfigError, match=r"exported from config brightness_probe \(BACKBONE.TYPE: "
                                          r"'brightness_probe'\), not from the given config siamban_lite0"):
        load_exported(exported, lite0)
    # tracking settings may differ from the export's: the given config is the one used
    tuned = dataclasses.replace(PROBE_CONFIG, track=dataclasses.replace(PROBE_CONFIG.track, penalty_k=0.3))
    assert load_exported(exported, tuned)[0].track.penalty_k == 0.3
    other = dataclasses.replace(PROBE_CONFIG, track=dataclasses.replace(PROBE_CONFIG.track, exemplar_size=135))
    with pytest.raises(ConfigError, match=r"TRACK.EXEMPLAR_SIZE: 127\), not from the given config .*: 135\)"):
        load_exported(exported, other)
    # through the CLI: exit 2 and one line
    save_config(lite0, tmp_path / "lite0.yaml")
    frames, boxes = moving_square_video(2)
    cv2.imwrite(str(tmp_path / "1.png"), frames[0])
    code = main(["track", str(tmp_path / "1.png"), "--init", ",".join(str(v) for v in boxes[0]), "--config",
                 str(tmp_path / "lite0.yaml"), "--weights", str(exported), "--backend", "onnxruntime", "-o",
                 str(tmp_path / "out.txt")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.splitlines() == [err] and "exported from config brightness_probe" in err


def test_an_incomplete_or_foreign_export_is_refused(exported, tmp_path, no_exporter):
    (tmp_path / "template.onnx").write_bytes((exported / "template.onnx").read_bytes())
    with pytest.raises(CheckpointError, match=r"track.onnx: not found"):
        load_exported(tmp_path)
    plain = onnx.load(exported / "track.onnx")
    del plain.metadata_props[:]
    onnx.save(plain, tmp_path / "track.onnx")
    with pytest.raises(CheckpointError, match=r"track.onnx: carries no siamban metadata"):
        load_exported(tmp_path / "template.onnx")
    (tmp_path / "track.onnx").write_text("not a graph\n")
    with pytest.raises(CheckpointError, match=r"track.onnx: not an ONNX graph ONNX Runtime can load"):
        load_exported(tmp_path)
