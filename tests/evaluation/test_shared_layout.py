"""The ``shared`` layout (OTB folders + index.json roles), role filters, and the Python API the accuracy report uses:
``track_and_score`` with any object that has init/track (a scripted one, OpenCV's CSRT)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench_fakes import ScriptedTracker, write_shared_layout
from siamban.evaluation import OpenCVTracker, load_benchmark, track_and_score
from siamban.evaluation.results import read_boxes
from siamban.cli import main
from siamban.errors import DatasetError


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    root = tmp_path_factory.mktemp("shared") / "sequences"
    truth = write_shared_layout(root, {"a_val": "val", "b_train": "train", "c_heldout": "heldout"}, frames=6)
    return root, truth


def test_roles_names_and_index_checks(shared, tmp_path):
    root, truth = shared
    bench = load_benchmark("folders", root)
    assert [s.name for s in bench] == ["a_val", "b_train", "c_heldout"] and bench.name == "folders"
    assert bench["a_val"].meta == {"resolution": "(320, 240)", "role": "val"}
    np.testing.assert_array_equal(bench["b_train"].ground_truth, truth["b_train"])
    assert [s.name for s in load_benchmark("SEQUENCES", root, roles=["val", "heldout"])] == ["a_val", "c_heldout"]
    with pytest.raises(DatasetError, match="no sequence with role test"):
        load_benchmark("folders", root, roles=["test"])
    with pytest.raises(DatasetError, match="no sequence named 'zzz'"):
        load_benchmark("folders", root, names=["a_val", "zzz"])

    index = json.loads((root / "index.json").read_text())
    index["a_val"]["frames"] = 7
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "index.json").write_text(json.dumps({"a_val": index["a_val"]}))
    (bad / "a_val").symlink_to(root / "a_val")
    with pytest.raises(DatasetError, match=r"index.json: a_val: says 7 frames, .* holds 6"):
        load_benchmark("folders", bad)


def test_track_and_score_any_tracker_object(shared, tmp_path):
    root, truth = shared
    bench = load_benchmark("folders", root, roles=["val"])
    # a tracker that reports the truth shifted by 4 px right: IoU 44/52 = 0.846 per frame after the first
    gt = truth["a_val"]
    scripted = ScriptedTracker([(x + 4, y, w, h) for x, y, w, h in gt])
    scores = track_and_score(bench, scripted, tmp_path / "r", "shifted", show_progress=False)
    iou = 44 / 52
    first = 47.5**2 / (2 * 48**2 - 47.5**2)  # pysot's half-pixel init box: 0.979
    thresholds = np.arange(0, 1.05, 0.05)
    expected = (sum(iou > t for t in thresholds) * 5 + sum(first > t for t in thresholds)) / 6 / 21
    assert scores.summary["success_auc"] == pytest.approx(expected)
    assert scores.summary["precision"] == 1.0 and scores.summary["fps"] > 0
    assert read_boxes(tmp_path / "r" / "folders" / "shifted" / "a_val.txt")[3].tolist() == [gt[3][0] + 4, *gt[3][1:]]

    csrt = track_and_score(bench, OpenCVTracker("csrt"), None, "csrt", show_progress=False)
    assert csrt.summary["success_auc"] > 0.6  # a clean textured square on a textured background: easy


def test_test_cli_runs_one_role_with_opencv(shared, tmp_path, capsys):
    root, _ = shared
    assert main(["test", "--dataset", "folders", "--dataset-root", str(root), "--role", "train", "--opencv", "kcf",
                 "--results-dir", str(tmp_path), "--quiet"]) == 0
    assert "folders: 1 sequences run, 0 already done" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "folders" / "opencv-kcf").glob("*.txt")) == ["b_train.txt"]
    assert main(["eval", "--dataset", "folders", "--dataset-root", str(root), "--role", "train",
                 "--results-dir", str(tmp_path)]) == 0
    assert "| opencv-kcf |" in capsys.readouterr().out


def test_dataset_names_ignore_case_dashes_and_take_aliases():
    from siamban.evaluation.datasets import canonical_name
    from siamban.data.raw import raw_format

    assert [canonical_name(n) for n in ("got10k-VAL", "got_10k", "otb2015", "Shared", "FOLDERS", "lasot")] == [
        "GOT-10k-val", "GOT-10k", "OTB100", "folders", "folders", "LaSOT"]
    assert type(raw_format("yt_bb")).__name__ == type(raw_format("YouTube-BB")).__name__ == "YoutubeBB"
    with pytest.raises(DatasetError, match="unknown dataset 'otb99' \\(known: .*OTB100"):
        canonical_name("otb99")
