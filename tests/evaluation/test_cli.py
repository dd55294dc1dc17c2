"""``siamban test`` + ``siamban eval`` end to end on fabricated benchmarks with a tiny random-weight SiamBAN, the
resumable parallel runner, the batched-runner slot, and the GOT-10k submission check."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from siamban.evaluation import RunOptions, load_benchmark, run_benchmark
from siamban.evaluation.results import check_submission, read_boxes, read_trajectory, result_paths
from siamban.evaluation.runners import TrackerPool
from siamban.cli import main
from siamban.config import load_config
from siamban.errors import SiamBANWarning
from siamban.models import build_model
from siamban.models.backbones import register_backbone

from bench_fakes import StaticFactory, write_frames, write_lines

TINY_YAML = """
META_ARC: tiny
BACKBONE: {TYPE: tiny_bench, KWARGS: {}}
ADJUST: {ADJUST: true, TYPE: AdjustAllLayer, KWARGS: {in_channels: [4, 4, 4], out_channels: [4, 4, 4]}}
BAN: {BAN: true, TYPE: MultiBAN, KWARGS: {in_channels: [4, 4, 4], cls_out_channels: 2, weighted: true}}
"""


@register_backbone("tiny_bench")
class TinyBackbone(nn.Module):
    """127 -> 15 and 255 -> 31 feature maps (stride 8), three levels, so the real heads and tracker run fast."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, kernel_size=15, stride=8)
        self.out_channels = [4, 4, 4]

    def forward(self, x):
        f = torch.relu(self.conv(x / 255.0))
        return [f, f * 0.5, f * 0.25]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tiny")
    config = folder / "tiny.yaml"
    config.write_text(TINY_YAML)
    torch.manual_seed(0)
    model = build_model(load_config(config))
    weights = folder / "tiny.pth"
    torch.save(model.state_dict(), weights)
    return config, weights


def _textured_frames(folder: Path, n: int, start=(20, 14)) -> list[tuple[float, float, float, float]]:
    """A bright square moving 1 px per frame over noise; returns its boxes."""
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    boxes = []
    for i in range(n):
        image = rng.integers(0, 60, (72, 96, 3), dtype=np.uint8)
        x, y = start[0] + i, start[1]
        image[y : y + 16, x : x + 16] = 230
        cv2.imwrite(str(folder / f"{i + 1:04d}.jpg"), image)
        boxes.append((x, y, 16, 16))
    return boxes


def test_test_and_eval_end_to_end_on_otb_layout(tiny_model, tmp_path, capsys):
    config, weights = tiny_model
    root = tmp_path / "OTB100"
    for name, start in (("Car", (20, 14)), ("Dog", (40, 30))):
        boxes = _textured_frames(root / name / "img", 6, start)
        write_lines(root / name / "groundtruth_rect.txt", boxes)
    results, report = tmp_path / "results", tmp_path / "report"
    args = ["test", "--dataset", "OTB100", "--dataset-root", str(root), "--config", str(config), "--weights",
            str(weights), "--device", "cpu", "--results-dir", str(results), "--tracker-name", "tiny"]
    assert main(args) == 0
    assert "2 sequences run, 0 already done" in capsys.readouterr().out
    car = read_boxes(results / "OTB100" / "tiny" / "Car.txt")
    assert car.shape == (6, 4) and car[0].tolist() == [20.5, 14.5, 16.0, 16.0]  # pysot's init box
    assert (results / "OTB100" / "tiny" / "times" / "Car_time.txt").is_file()
    assert main(args) == 0  # resumed: nothing left to run
    assert "0 sequences run, 2 already done" in capsys.readouterr().out
    # both sequences in one network batch: the same boxes as one at a time (float32 summation order aside)
    assert main(args[:-1] + ["batched", "--batch", "2"]) == 0
    assert "2 sequences run" in capsys.readouterr().out
    for name in ("Car", "Dog"):
        single = read_boxes(results / "OTB100" / "tiny" / f"{name}.txt")
        np.testing.assert_allclose(read_boxes(results / "OTB100" / "batched" / f"{name}.txt"), single, atol=1e-3)
    shutil.rmtree(results / "OTB100" / "batched")

    other = results / "OTB100" / "truth"  # a second "tracker": the ground truth itself, in pysot's format
    for name in ("Car", "Dog"):
        write_lines(other / f"{name}.txt", (root / name / "groundtruth_rect.txt").read_text().split())
    assert main(["eval", "--dataset", "OTB100", "--dataset-root", str(root), "--results-dir", str(results),
                 "--report-dir", str(report)]) == 0
    out = capsys.readouterr().out
    # a perfect tracker scores 20/21 = 0.952: pysot-toolkit counts iou > t, and no overlap exceeds the last threshold 1
    assert "| truth | 0.952 | 1.000 |" in out and "| tiny |" in out
    summary = json.loads((report / "summary.json").read_text())
    assert summary["trackers"]["truth"]["summary"]["success_auc"] == pytest.approx(20 / 21)
    assert 0 <= summary["trackers"]["tiny"]["summary"]["success_auc"] < 1
    assert (report / "success_plot.png").stat().st_size > 1000 and (report / "precision_plot.png").is_file()


def test_vot_layout_end_to_end(tiny_model, tmp_path, capsys):
    config, weights = tiny_model
    root = tmp_path / "VOT2018"
    boxes = _textured_frames(root / "square" / "color", 8)
    write_lines(root / "square" / "groundtruth.txt", [(x, y, x + w, y, x + w, y + h, x, y + h) for x, y, w, h in boxes])
    write_lines(root / "list.txt", ["square"])
    results = tmp_path / "results"
    assert main(["test", "--dataset", "VOT2018", "--dataset-root", str(root), "--config", str(config), "--weights",
                 str(weights), "--device", "cpu", "--results-dir", str(results), "--tracker-name", "tiny"]) == 0
    traj = read_trajectory(results / "VOT2018" / "tiny" / "baseline" / "square" / "square_001.txt")
    assert len(traj) == 8 and traj[0] == [1.0]
    assert main(["eval", "--dataset", "VOT2018", "--dataset-root", str(root), "--results-dir", str(results),
                 "--report-dir", str(tmp_path / "report")]) == 0
    assert "| tiny |" in capsys.readouterr().out
    assert (tmp_path / "report" / "eao_curve.png").is_file() and (tmp_path / "report" / "attributes.png").is_file()


def _got10k_test(tmp_path: Path) -> Path:
    root = tmp_path / "GOT-10k"
    names = ["GOT-10k_Test_000001", "GOT-10k_Test_000002"]
    write_lines(root / "test" / "list.txt", names)
    for i, name in enumerate(names):
        write_frames(root / "test" / name, 3 + i)
        write_lines(root / "test" / name / "groundtruth.txt", [(5, 5, 20, 20)])
    return root


def test_parallel_resumable_run_writes_the_got10k_submission(tmp_path, capsys):
    root = _got10k_test(tmp_path)
    bench = load_benchmark("GOT-10k", root)
    results = tmp_path / "results"
    summary = run_benchmark(bench, StaticFactory((6, 6, 20, 20)), results, "static", workers=2, show_progress=False)
    assert sorted(summary.done) == ["GOT-10k_Test_000001", "GOT-10k_Test_000002"] and summary.frames == 7
    folder = results / "GOT-10k" / "static"
    second = folder / "GOT-10k_Test_000002" / "GOT-10k_Test_000002_001.txt"
    assert second.read_text().splitlines() == ["5.5000,5.5000,20.0000,20.0000"] + ["6.0000,6.0000,20.0000,20.0000"] * 3
    assert len((folder / "GOT-10k_Test_000002" / "GOT-10k_Test_000002_time.txt").read_text().split()) == 4
    again = run_benchmark(bench, StaticFactory((0, 0, 1, 1)), results, "static", show_progress=False)
    assert again.done == [] and len(again.skipped) == 2

    assert check_submission(folder, bench) == ([], 2)
    archive = tmp_path / "static.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in folder.rglob("*.txt"):
            z.write(path, path.relative_to(folder).as_posix())
    assert main(["eval", "--check-submission", str(archive), "--dataset", "GOT-10k", "--dataset-root", str(root)]) == 0
    assert "OK, 2 sequences against GOT-10k" in capsys.readouterr().out

    # the mistakes the server silently ignores
    second.write_text("5.5 5.5 20 20\n6,6,20,20\n")
    (folder / "GOT-10k_Test_000001" / "GOT-10k_Test_000001_time.txt").unlink()
    (folder / "notes.txt").write_text("hi")
    problems, _ = check_submission(folder, bench)
    assert problems == [
        "notes.txt: unexpected file (expected <video>/<video>_001.txt and <video>/<video>_time.txt)",
        "GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt: missing",
        "GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt:1: values must be comma-separated, got '5.5 5.5 20 20'",
        "GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt: 2 lines for 4 frames",
        "GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt: 4 lines for 2 frames",
    ]
    assert main(["eval", "--check-submission", str(folder)]) == 1


def test_interrupted_file_is_not_taken_for_finished(tmp_path):
    root = _got10k_test(tmp_path)
    bench = load_benchmark("GOT-10k", root)
    seq = bench["GOT-10k_Test_000001"]
    path, _ = result_paths(bench, tmp_path / "r", "t", seq)
    path.parent.mkdir(parents=True)
    path.write_text("5,5,20,20\n")  # a half-written file from a crash
    with pytest.warns(SiamBANWarning, match=r"existing result file is not valid, running the sequence again: .*"
                                             r"GOT-10k_Test_000001_001\.txt: 1 lines for 3 frames$"):
        summary = run_benchmark(bench.select([seq.name]), StaticFactory((1, 1, 5, 5)), tmp_path / "r", "t",
                                show_progress=False)
    assert summary.done == [seq.name] and len(path.read_text().splitlines()) == 3


def test_batched_runner_matches_the_one_at_a_time_runner(tmp_path):
    from bench_fakes import StaticTracker

    root = _got10k_test(tmp_path)
    bench = load_benchmark("GOT-10k", root)
    run_benchmark(bench, StaticFactory((7, 7, 9, 9)), tmp_path / "single", "t", show_progress=False)
    run_benchmark(bench, StaticFactory((0, 0, 1, 1)), tmp_path / "batched", "t", show_progress=False,
                  batch_factory=lambda: TrackerPool(lambda: StaticTracker((7, 7, 9, 9)), capacity=2))
    for seq in bench:
        a, _ = result_paths(bench, tmp_path / "single", "t", seq)
        b, _ = result_paths(bench, tmp_path / "batched", "t", seq)
        assert a.read_text() == b.read_text()


def test_eval_errors_are_one_line(tmp_path, capsys):
    root = _got10k_test(tmp_path)
    results = tmp_path / "results"
    assert main(["eval", "--dataset", "GOT-10k", "--dataset-root", str(root), "--results-dir", str(results)]) == 2
    assert "no results for GOT-10k" in capsys.readouterr().err
    run_benchmark(load_benchmark("GOT-10k", root), StaticFactory((6, 6, 20, 20)), results, "t", show_progress=False)
    assert main(["eval", "--dataset", "GOT-10k", "--dataset-root", str(root), "--results-dir", str(results)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "test split's ground truth is withheld" in err
    with pytest.raises(Exception, match="one-pass benchmark"):
        run_benchmark(load_benchmark("GOT-10k", root), StaticFactory((0, 0, 1, 1)), tmp_path, "t",
                      options=RunOptions(experiment="realtime"), show_progress=False)


def test_test_cli_on_got10k_writes_and_packs_the_submission(tmp_path, capsys):
    root = _got10k_test(tmp_path)
    results = tmp_path / "results"
    assert main(["test", "--dataset", "GOT-10k", "--dataset-root", str(root), "--opencv", "csrt", "--results-dir",
                 str(results), "--quiet"]) == 0
    out = capsys.readouterr().out
    archive = results / "GOT-10k" / "opencv-csrt.zip"
    assert f"submission: {archive} (checked: 2 sequences)" in out
    with zipfile.ZipFile(archive) as z:
        assert sorted(z.namelist()) == [f"GOT-10k_Test_00000{i}/GOT-10k_Test_00000{i}_{kind}.txt"
                                        for i in (1, 2) for kind in ("001", "time")]
        lines = z.read("GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt").decode().splitlines()
    assert len(lines) == 4 and lines[0] == "5.5000,5.5000,20.0000,20.0000"
    assert main(["eval", "--check-submission", str(archive)]) == 0
    assert "OK, 2 sequences" in capsys.readouterr().out

    time_file = results / "GOT-10k" / "opencv-csrt" / "GOT-10k_Test_000001" / "GOT-10k_Test_000001_time.txt"
    time_file.write_text("0.1\n0.1\nslow\n")
    problems, _ = check_submission(results / "GOT-10k" / "opencv-csrt")
    assert problems == ["GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt:3: not comma-separated non-negative "
                        "seconds: 'slow'"]


def test_video_sequences_are_tested_and_scored(tiny_model, tmp_path, capsys):
    from real_data_fakes import write_index, write_video

    config, weights = tiny_model
    root = tmp_path / "videos"
    boxes = write_video(root / "clip", count=10, absent=(6,))
    write_video(root / "other", count=5, seed=1)
    write_index(root, {"clip": "train", "other": "train"})
    results = tmp_path / "results"
    args = ["test", "--dataset", "folders", "--dataset-root", str(root), "--sequences", "clip", "--config", str(config),
            "--weights", str(weights), "--device", "cpu", "--results-dir", str(results), "--tracker-name", "tiny"]
    assert main(args) == 0
    assert "1 sequences run, 0 already done" in capsys.readouterr().out
    clip = read_boxes(results / "folders" / "tiny" / "clip.txt")
    assert clip.shape == (10, 4) and clip[0].tolist() == (boxes[0] + [0.5, 0.5, 0, 0]).tolist()
    truth = results / "folders" / "truth"  # the ground truth as a second tracker: perfect on the 9 present frames
    write_lines(truth / "clip.txt", [",".join(f"{v:g}" for v in b) for b in boxes])
    assert main(["eval", "--dataset", "folders", "--dataset-root", str(root), "--sequences", "clip",
                 "--results-dir", str(results), "--report-dir", str(tmp_path / "report")]) == 0
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    # the absent frame (0,0,0,0) is dropped but stays in the frame count, as pysot-toolkit scores UAV123 and LaSOT
    assert summary["trackers"]["truth"]["summary"]["success_auc"] == pytest.approx(0.9 * 20 / 21)
