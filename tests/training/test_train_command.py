"""``siamban train`` on the tiny model, with a stand-in ``siamban.data.build_pair_dataset`` (the data side's job)."""

from __future__ import annotations

import pytest

from siamban.cli import main
from siamban.config import load_config, save_config
from siamban.training import load_checkpoint
from training_fakes import SquarePairs, tiny_config


@pytest.fixture
def stand_in_data(monkeypatch):
    calls = []

    def build_pair_dataset(cfg, seed=None):
        calls.append((cfg.train.batch_size, seed))
        return SquarePairs(16, seed=seed)

    # The command imports the function from siamban.data when it runs, so replacing the attribute is enough.
    monkeypatch.setattr("siamban.data.build_pair_dataset", build_pair_dataset)
    return calls


def test_train_command_overrides_config_and_resumes(tmp_path, stand_in_data, capsys):
    config = tmp_path / "tiny.yaml"
    save_config(tiny_config(epochs=5), config)
    run = tmp_path / "run"
    args = ["train", "--config", str(config), "--output", str(run), "--batch-size", "2", "--workers", "0"]
    assert main(args + ["--epochs", "2", "--device", "cpu", "--no-progress"]) == 0
    resolved = load_config(run / "config.yaml")
    assert (resolved.train.epoch, resolved.train.batch_size) == (2, 2)
    assert stand_in_data == [(2, 7)]  # the config's batch and TRAIN.SEED reach the data side
    assert load_checkpoint(run / "snapshot" / "checkpoint_e2.pth")["epoch"] == 2
    assert "trained 2 epochs" in capsys.readouterr().out

    # Three more epochs on top (the schedule is now the 3-epoch one; the command says so).
    assert main(args + ["--epochs", "3", "--resume", "auto", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "resumed from" in out and "differs from the snapshot's in TRAIN.EPOCH" in out
    assert load_checkpoint(run / "snapshot" / "checkpoint_e3.pth")["epoch"] == 3


def test_train_command_errors_are_one_line(tmp_path, stand_in_data, capsys):
    config = tmp_path / "tiny.yaml"
    save_config(tiny_config(), config)
    assert main(["train", "--config", str(config), "--output", str(tmp_path), "--resume", "missing.pth"]) == 2
    assert capsys.readouterr().err.strip() == "siamban train: error: --resume missing.pth: no such checkpoint file"
    assert main(["train", "--config", str(config), "--epochs", "0"]) == 2
    assert "--epochs 0: out of range" in capsys.readouterr().err
