"""Atomic snapshots, finding the latest one, RNG states, and pretrained initialisation with key reports."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from torch import nn

from siamban.errors import CheckpointError
from siamban.models import build_model
from siamban.training import checkpoint as ckpt
from training_fakes import TinyBackbone, tiny_config


def test_save_is_atomic_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "snap" / "checkpoint_e1.pth"
    ckpt.save_checkpoint({"value": torch.tensor([1.0])}, path)

    def broken_save(obj, handle):
        handle.write(b"partial bytes")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        ckpt.save_checkpoint({"value": torch.tensor([2.0])}, path)
    monkeypatch.undo()
    assert torch.load(path, weights_only=True)["value"].item() == 1.0
    assert [p.name for p in path.parent.iterdir()] == ["checkpoint_e1.pth"]  # no temporary file left


def test_latest_checkpoint_orders_by_epoch_number_and_ignores_partial_files(tmp_path):
    assert ckpt.latest_checkpoint(tmp_path / "missing") is None
    for name in ("checkpoint_e9.pth", "checkpoint_e10.pth", ".checkpoint_e11.pth.123.tmp", "checkpoint_e12.pth.bak"):
        (tmp_path / name).write_bytes(b"x")
    assert ckpt.latest_checkpoint(tmp_path).name == "checkpoint_e10.pth"
    assert ckpt.resolve_resume("auto", tmp_path).name == "checkpoint_e10.pth"
    with pytest.raises(CheckpointError, match="--resume .*nope.pth: no such checkpoint file"):
        ckpt.resolve_resume(tmp_path / "nope.pth", tmp_path)


def test_a_model_file_is_not_a_snapshot(tmp_path):
    path = tmp_path / "model.pth"
    torch.save({"state_dict": {"w": torch.zeros(1)}}, path)
    with pytest.raises(CheckpointError, match="not a siamban training snapshot .* set TRAIN.PRETRAINED"):
        ckpt.load_checkpoint(path)
    path.write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="not a readable PyTorch checkpoint"):
        ckpt.load_checkpoint(path)


def test_rng_state_round_trips_through_a_weights_only_file(tmp_path):
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    state = ckpt.capture_rng_state()
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    torch.save({"rng": state}, tmp_path / "rng.pth")
    random.seed(9)
    np.random.seed(9)
    torch.manual_seed(9)
    ckpt.restore_rng_state(torch.load(tmp_path / "rng.pth", weights_only=True)["rng"])
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected


def test_pretrained_backbone_loads_by_name_and_reports_honestly(tmp_path):
    source = TinyBackbone(width=8)
    state = dict(source.state_dict())
    state["fc.weight"] = torch.zeros(10, 8)  # an ImageNet classifier the tracker does not use
    del state["block2.0.weight"]  # a tensor the file lacks
    path = tmp_path / "imagenet.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in state.items()}}, path)

    target = TinyBackbone(width=8)
    before = target.block2[0].weight.clone()
    report = ckpt.load_pretrained_backbone(target, str(path))
    # 18 tensors (3 conv weights, 3 BN x 5) less the one deleted; the file's extra one is reported, not loaded.
    assert report == (
        f"BACKBONE.PRETRAINED {path}: loaded 17 tensors; 1 model tensors not in the file keep their initial values "
        "(block2.0.weight); 1 file tensors unused (fc.weight)"
    )
    assert torch.equal(target.stem[0].weight, source.stem[0].weight)
    assert torch.equal(target.block2[0].weight, before)


def test_pretrained_backbone_errors(tmp_path):
    with pytest.raises(CheckpointError, match=r"BACKBONE.PRETRAINED nowhere/resnet50.model: file not found"):
        ckpt.load_pretrained_backbone(TinyBackbone(), "nowhere/resnet50.model")
    torch.save(TinyBackbone(width=4).state_dict(), tmp_path / "narrow.pth")
    with pytest.raises(CheckpointError, match=r"mis-shaped tensors \(stem.0.weight expects \[8, 3, 8, 8\] got \[4"):
        ckpt.load_pretrained_backbone(TinyBackbone(width=8), str(tmp_path / "narrow.pth"))
    torch.save({"other.weight": torch.zeros(1)}, tmp_path / "other.pth")
    with pytest.raises(CheckpointError, match="no tensor name in common"):
        ckpt.load_pretrained_backbone(TinyBackbone(), str(tmp_path / "other.pth"))


def test_a_backbone_with_its_own_loader_gets_the_spec():
    class SelfLoading(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.specs: list[str] = []

        def load_pretrained(self, spec: str) -> list[str]:
            self.specs.append(spec)
            return ["_fc.weight", "_fc.bias"]  # the file's keys it did not use

    backbone = SelfLoading()
    assert ckpt.load_pretrained_backbone(backbone, "efficientnet-lite0") == (
        "BACKBONE.PRETRAINED efficientnet-lite0: loaded by SelfLoading; 2 file tensors unused (_fc.weight, _fc.bias)"
    )
    assert backbone.specs == ["efficientnet-lite0"]

    class UsesEverything(SelfLoading):
        def load_pretrained(self, spec: str) -> None:
            self.specs.append(spec)

    report = ckpt.load_pretrained_backbone(UsesEverything(), "x.pth")
    assert report == "BACKBONE.PRETRAINED x.pth: loaded by UsesEverything"


def test_whole_model_init_from_train_pretrained(tmp_path):
    cfg = tiny_config()
    source = build_model(cfg)
    torch.save({"model": source.state_dict()}, tmp_path / "model.pth")
    target = build_model(cfg)
    report = ckpt.load_pretrained_model(target, tmp_path / "model.pth")
    assert report.endswith(f"loaded {len(source.state_dict())} tensors")
    assert all(torch.equal(a, b) for a, b in zip(source.state_dict().values(), target.state_dict().values()))
