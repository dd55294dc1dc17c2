"""``--threads`` is honoured by track, test and tune, with one worker too (issue 17); below 1 it is one clear line."""

from __future__ import annotations

import pytest
import torch

import siamban.cli.run_benchmark as test_command
import siamban.cli.track as track_command
import siamban.cli.tune as tune_command
from probe_model import write_probe_otb
from siamban.cli import main


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    """The probe model and a one-sequence OTB layout of a moving square (4 frames)."""
    return write_probe_otb(tmp_path_factory.mktemp("probe"), 4)


def _model(root):
    return ["--config", str(root / "probe.yaml"), "--weights", str(root / "probe.pth"), "--device", "cpu"]


def _threads_seen(monkeypatch, module, name) -> list[int]:
    """Record torch's thread count each time ``module.name`` (the call that tracks) is entered."""
    seen: list[int] = []
    real = getattr(module, name)

    def wrapped(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)
    return seen


@pytest.mark.threads(2)
def test_test_honours_threads_with_one_worker(probe, tmp_path, monkeypatch, capsys):
    seen = _threads_seen(monkeypatch, test_command, "run_benchmark")
    argv = ["test", "--dataset", "OTB100", "--dataset-root", str(probe / "OTB100"), "--results-dir",
            str(tmp_path / "results"), "--quiet", "--threads", "1", *_model(probe)]
    assert torch.get_num_threads() == 2  # the marker starts it on two threads (tests/conftest.py)
    assert main(argv) == 0
    assert seen == [1] and "1 sequences run" in capsys.readouterr().out


def test_tune_honours_threads_with_one_worker(probe, tmp_path, monkeypatch, capsys):
    seen = _threads_seen(monkeypatch, tune_command, "tune")
    argv = ["tune", "--dataset", "OTB100", "--dataset-root", str(probe / "OTB100"), "--out", str(tmp_path / "tune"),
            "--budget", "1", "--quiet", "--threads", "1", *_model(probe)]
    assert main(argv) == 0
    assert seen == [1] and "best: trial" in capsys.readouterr().out


def test_track_takes_threads(probe, tmp_path, monkeypatch, capsys):
    seen = _threads_seen(monkeypatch, track_command, "track_to_files")
    argv = ["track", str(probe / "square.avi"), "--init", "100,80,40,40", "-o", str(tmp_path / "boxes.txt"),
            "--threads", "1", *_model(probe)]
    assert main(argv) == 0
    assert seen == [1] and "4 frames" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["track", "test", "tune"])
def test_threads_below_one_is_one_clear_line(probe, tmp_path, command, capsys):
    argv = {
        "track": ["track", str(probe / "square.avi"), "--init", "100,80,40,40", "-o", str(tmp_path / "b.txt")],
        "test": ["test", "--dataset", "OTB100", "--dataset-root", str(probe / "OTB100"), "--results-dir",
                 str(tmp_path / "r")],
        "tune": ["tune", "--dataset", "OTB100", "--dataset-root", str(probe / "OTB100"), "--out", str(tmp_path / "t")],
    }[command]
    assert main(argv + ["--threads", "0", *_model(probe)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"siamban {command}: error: --threads 0: must be 1 or more"]
