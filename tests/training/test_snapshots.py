"""Atomic snapshots, finding the latest one, RNG states, and pretrained initialisation with key reports."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from torch import nn

from siamban.errors import CheckpointError, OutputError
from siamban.models import build_model
from siamban.training import snapshots as ckpt
from training_fakes import TinyBackbone, tiny_config


def test_save_is_atomic_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "snap" / "checkpoint_e1.pth"
    ckpt.save_checkpoint({"value": torch.tensor([1.0])}, path)

    def broken_save(obj, handle):
        handle.write(b"partial bytes")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OutputError, match=r"checkpoint_e1\.pth: cannot write \(disk full\); nothing was written"):
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


def _snapshot(net: nn.Module, **changes) -> dict:
    payload = {"epoch": 1, "model": net.state_dict(), "optimizer": {}, "scheduler": {},
               "rng": ckpt.capture_rng_state(), "config": {}}
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not None}


def test_a_snapshot_without_rng_states_is_one_line(tmp_path):
    path = tmp_path / "checkpoint_e1.pth"
    torch.save(_snapshot(build_model(tiny_config()), rng=None), path)
    with pytest.raises(CheckpointError, match=r"checkpoint_e1\.pth: the snapshot has no random-generator states"):
        ckpt.load_checkpoint(path)
    torch.save(_snapshot(build_model(tiny_config()), rng={"python": 1, "numpy": 2, "torch": 3}), path)
    with pytest.raises(CheckpointError, match="malformed random-generator states"):
        ckpt.restore_rng_state(ckpt.load_checkpoint(path)["rng"], str(path))


def test_a_snapshot_of_another_architecture_is_one_line(tmp_path):
    path = tmp_path / "checkpoint_e1.pth"
    other = nn.Sequential(nn.Conv2d(3, 4, 3))
    torch.save(_snapshot(other), path)
    snapshot = ckpt.load_checkpoint(path)
    with pytest.raises(CheckpointError, match=r"a snapshot of another model .*: \d+ missing .*; 2 unexpected \(0\.w"):
        ckpt.restore_snapshot(build_model(tiny_config()), snapshot, str(path))


def test_a_snapshot_with_nan_weights_or_junk_epoch_is_refused(tmp_path):
    path = tmp_path / "checkpoint_e1.pth"
    model = build_model(tiny_config())
    state = {k: torch.full_like(v, float("nan")) if v.is_floating_point() else v for k, v in model.state_dict().items()}
    torch.save(_snapshot(model, model=state), path)
    with pytest.raises(CheckpointError, match="NaN or infinite"):
        ckpt.load_checkpoint(path)
    torch.save(_snapshot(model, epoch="two"), path)
    with pytest.raises(CheckpointError, match="'epoch' 'two' is not a count"):
        ckpt.load_checkpoint(path)
    path.write_text("epoch: 2\n")
    with pytest.raises(CheckpointError, match="not a readable PyTorch checkpoint"):
        ckpt.load_checkpoint(path)


def test_temporary_files_of_killed_snapshot_writes_are_removed(tmp_path):
    stale = tmp_path / ".checkpoint_e2.pth.999999999.tmp"
    stale.write_bytes(b"x" * 1000)
    kept = ckpt.save_checkpoint({"value": torch.tensor([1.0])}, tmp_path / "checkpoint_e1.pth")
    assert ckpt.remove_stale_snapshots(tmp_path) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == [kept.name]
