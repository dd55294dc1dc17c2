"""Run folders (``runs/<command>/exp``, ``exp2``, ... with args.yaml and config.yaml) for track, test, train and
demo when no output is given, and ``--set KEY=VALUE`` on every command that takes a config (issue 17)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from probe_model import write_probe_otb
from real_data_fakes import write_image_sequence, write_image_set, write_index, write_video
from siamban.cli import main
from siamban.cli.common import claim_run_dir, latest_run_dir, next_run_dir
from siamban.config import load_config
from siamban.errors import OutputError


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    """The probe model, a 4-frame moving-square video and the same frames as a one-sequence OTB layout."""
    return write_probe_otb(tmp_path_factory.mktemp("probe"), 4)


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _model(root):
    return ["--config", str(root / "probe.yaml"), "--weights", str(root / "probe.pth"), "--device", "cpu"]


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_run_folder_numbering(tmp_path):
    assert next_run_dir("track", root=tmp_path) == tmp_path / "track" / "exp"
    assert claim_run_dir("track", root=tmp_path) == tmp_path / "track" / "exp"
    assert claim_run_dir("track", root=tmp_path) == tmp_path / "track" / "exp2"
    (tmp_path / "track" / "exp3").write_text("a file, not a run")
    assert claim_run_dir("track", root=tmp_path) == tmp_path / "track" / "exp4"  # never over anything
    assert latest_run_dir("track", root=tmp_path) == tmp_path / "track" / "exp2"  # exp3 is no run folder
    assert latest_run_dir("train", root=tmp_path) is None
    assert claim_run_dir("track", "mine", root=tmp_path) == tmp_path / "track" / "mine"
    with pytest.raises(OutputError, match=r"--name '\.\./x': must be one folder name"):
        next_run_dir("track", "../x", root=tmp_path)


def test_track_writes_numbered_run_folders_with_args_and_config(probe, cwd, capsys):
    argv = ["track", str(probe / "square.avi"), "--init", "100,80,48,48", *_model(probe)]
    assert main(argv + ["--set", "TRACK.PENALTY_K=0.05", "TRACK.LR=0.2"]) == 0
    first = cwd / "runs" / "track" / "exp"
    assert capsys.readouterr().out.strip().endswith(f"-> {first.relative_to(cwd) / 'square_boxes.txt'}")
    rows = np.loadtxt(first / "square_boxes.txt", delimiter=",")
    assert rows.shape == (4, 5) and np.allclose(rows[0, :4], [100, 80, 48, 48])
    args = yaml.safe_load((first / "args.yaml").read_text())
    assert args["command"] == "track" and args["init"] == "100,80,48,48" and args["output"] is None
    assert args["overrides"] == ["TRACK.PENALTY_K=0.05", "TRACK.LR=0.2"] and "func" not in args
    saved = load_config(first / "config.yaml")
    assert (saved.meta_arc, saved.track.penalty_k, saved.track.lr) == ("brightness_probe", 0.05, 0.2)

    before = (first / "square_boxes.txt").read_bytes()
    assert main(argv) == 0
    second = cwd / "runs" / "track" / "exp2"
    assert load_config(second / "config.yaml").track.penalty_k == 0.14  # this run's config, no --set
    assert (first / "square_boxes.txt").read_bytes() == before  # the first run is untouched
    assert main(argv + ["--name", "square"]) == 0
    assert (cwd / "runs" / "track" / "square" / "square_boxes.txt").is_file()

    out = cwd / "given.txt"
    assert main(argv + ["-o", str(out)]) == 0  # an explicit -o writes just that file, as before
    assert np.loadtxt(out, delimiter=",").shape == (4, 5)
    assert sorted(p.name for p in (cwd / "runs" / "track").iterdir()) == ["exp", "exp2", "square"]


def test_track_refuses_bad_set_before_taking_a_folder(probe, cwd, capsys):
    argv = ["track", str(probe / "square.avi"), "--init", "100,80,48,48", *_model(probe)]
    assert main(argv + ["--set", "TRACK.PENALTY=0.1"]) == 2
    assert _one_line(capsys).startswith("siamban track: error: --set TRACK.PENALTY: unknown key (known here: TYPE,")
    assert main(argv + ["--set", "TRACK.LR=fast"]) == 2
    assert _one_line(capsys) == "siamban track: error: --set TRACK.LR: expected a number, got 'fast'"
    assert main(argv + ["--name", "a/b"]) == 2
    assert "--name 'a/b': must be one folder name" in _one_line(capsys)
    assert not (cwd / "runs").exists()


def test_test_writes_into_a_run_folder_without_results_dir(probe, cwd, capsys):
    argv = ["test", "--dataset", "OTB100", "--dataset-root", str(probe / "OTB100"), "--quiet", *_model(probe)]
    assert main(argv + ["--set", "TRACK.WINDOW_INFLUENCE=0.2"]) == 0
    run = cwd / "runs" / "test" / "exp"
    assert f"-> {run.relative_to(cwd) / 'OTB100' / 'probe'}" in capsys.readouterr().out
    assert np.loadtxt(run / "OTB100" / "probe" / "Square.txt", delimiter=",").shape == (4, 4)
    assert yaml.safe_load((run / "args.yaml").read_text())["results_dir"] == str(run.relative_to(cwd))
    assert load_config(run / "config.yaml").track.window_influence == 0.2
    assert main(argv + ["--opencv", "kcf"]) == 0  # a second run: a new folder; no model, so no config.yaml
    assert (cwd / "runs" / "test" / "exp2" / "args.yaml").is_file()
    assert not (cwd / "runs" / "test" / "exp2" / "config.yaml").exists()
    given = cwd / "results"
    assert main(argv + ["--results-dir", str(given)]) == 0  # as before: into the folder given, resumable
    assert (given / "OTB100" / "probe" / "Square.txt").is_file() and not (given / "args.yaml").exists()


def test_demo_writes_under_runs_demo_of_the_working_folder(probe, cwd, capsys):
    assert main(["demo", *_model(probe), "--set", "TRACK.LR=0.25"]) == 0
    run = cwd / "runs" / "demo" / "exp"
    assert sorted(p.name for p in cwd.iterdir()) == ["runs"]  # nothing else in the working folder
    assert {"sample_boxes.txt", "sample_tracked.mp4", "args.yaml", "config.yaml"} <= {p.name for p in run.iterdir()}
    assert load_config(run / "config.yaml").track.lr == 0.25
    assert f"-> {run.relative_to(cwd) / 'sample_boxes.txt'}" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["tune", "export", "demo", "test", "train"])
def test_set_errors_are_one_line_on_every_command(probe, cwd, command, capsys):
    argv = {
        "tune": ["tune", "--dataset", "OTB100", "--dataset-root", str(probe / "OTB100"), "--out", "t", *_model(probe)],
        "export": ["export", "onnx", "out", "--config", str(probe / "probe.yaml"), "--weights",
                   str(probe / "probe.pth")],
        "demo": ["demo", *_model(probe)],
        "test": ["test", "--dataset", "OTB100", "--dataset-root", str(probe / "OTB100"), *_model(probe)],
        "train": ["train", "--config", "siamban_lite0"],
    }[command]
    assert main(argv + ["--set", "TRAIN.EPOCH=two"]) == 2
    assert _one_line(capsys) == f"siamban {command}: error: --set TRAIN.EPOCH: expected a number, got 'two'"
    assert not (cwd / "runs").exists()


def _fake_default_recipe_data(root, work):
    """Tiny stand-ins for the four datasets of the default model's recipe, where siamban_lite0 looks for them
    (work_data/... and ../shared/data/sequences, relative to the working folder ``work``)."""
    from siamban.data import prepare_dataset

    for i in range(2):
        write_video(root / "raw_videos" / f"v{i}", count=8, seed=i)
    write_index(root / "raw_videos", {"v0": "train", "v1": "train"})
    write_image_set(root / "raw_images" / "squares", count=3)
    prepare_dataset("VIDEOS", root / "raw_videos", work / "work_data" / "videos", workers=1, progress=False)
    prepare_dataset("IMAGES", root / "raw_images", work / "work_data" / "images", workers=1, progress=False)
    write_image_sequence(root / "shared" / "data" / "sequences" / "s0", count=8)
    write_index(root / "shared" / "data" / "sequences", {"s0": "train"})
    write_image_sequence(work / "work_data" / "synthetic_train" / "syn0", count=8, seed=3)


def test_bundled_lite0_trains_as_shipped_into_runs_train(tmp_path, cwd, capsys):
    # no prepared data: one line naming what to prepare, and no run folder taken
    assert main(["train", "--config", "siamban_lite0", "--device", "cpu", "--no-progress"]) == 2
    assert _one_line(capsys) == ("siamban train: error: VIDEOS: index file work_data/videos/train.json not found "
                                 "(run `siamban prepare VIDEOS RAW OUT`)")
    assert not (cwd / "runs").exists()

    _fake_default_recipe_data(tmp_path, cwd)
    small = ["--set", "BACKBONE.PRETRAINED=", "DATASET.VIDEOS_PER_EPOCH=4", "TRAIN.LR_WARMUP.EPOCH=1",
             "--batch-size", "2", "--workers", "0", "--device", "cpu", "--no-progress"]
    assert main(["train", "--config", "siamban_lite0", "--epochs", "2", *small]) == 0
    run = cwd / "runs" / "train" / "exp"
    assert "trained 2 epochs" in capsys.readouterr().out
    saved = load_config(run / "config.yaml")
    assert saved.dataset.names == ("VIDEOS", "IMAGES", "SHARED", "SYNTHETIC") and saved.train.epoch == 2
    assert saved.dataset.sources["VIDEOS"].num_use == 1400 and saved.backbone.pretrained == ""
    assert yaml.safe_load((run / "args.yaml").read_text())["config"] == "siamban_lite0"
    assert sorted(p.name for p in (run / "snapshot").iterdir()) == ["checkpoint_e1.pth", "checkpoint_e2.pth"]

    # --resume auto without -o continues the latest run folder instead of starting a new one
    assert main(["train", "--config", "siamban_lite0", "--epochs", "3", "--resume", "auto", *small]) == 0
    assert "resumed from" in capsys.readouterr().out
    assert (run / "snapshot" / "checkpoint_e3.pth").is_file()
    assert sorted(p.name for p in (cwd / "runs" / "train").iterdir()) == ["exp"]


def test_train_under_torchrun_needs_an_output(cwd, monkeypatch, capsys):
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert main(["train", "--config", "siamban_lite0", "--device", "cpu"]) == 2
    assert _one_line(capsys) == ("siamban train: error: under torchrun give the run folder with -o (every process "
                                 "must write into the same one)")
