"""Optional packages: the OpenCV baselines name the cv2 build they need, and reports work without matplotlib."""

from __future__ import annotations

import json
import sys

import cv2
import pytest

from bench_fakes import write_lines
from siamban.evaluation.trackers import OpenCVFactory, OpenCVTracker, opencv_tracker_constructor
from siamban.cli import main
from siamban.errors import DependencyError


def test_a_cv2_build_without_csrt_says_which_package_to_install(monkeypatch):
    monkeypatch.delattr(cv2, "TrackerCSRT", raising=False)
    monkeypatch.delattr(cv2, "TrackerCSRT_create", raising=False)
    with pytest.raises(DependencyError, match=r"uninstall .*then pip install opencv-contrib-python-headless") as err:
        OpenCVTracker("csrt")
    assert "\n" not in str(err.value)
    with pytest.raises(DependencyError, match="opencv-contrib-python-headless"):
        OpenCVFactory("csrt")  # before any sequence runs


def test_older_cv2_builds_create_trackers_with_the_underscore_function(monkeypatch):
    made = []
    monkeypatch.delattr(cv2, "TrackerKCF", raising=False)
    monkeypatch.setattr(cv2, "TrackerKCF_create", lambda: made.append("kcf") or "tracker", raising=False)
    assert opencv_tracker_constructor("kcf")() == "tracker" and made == ["kcf"]


def test_eval_writes_tables_and_json_without_matplotlib(otb_root, tmp_path, monkeypatch, capsys):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` raises ImportError
    results, report = tmp_path / "results", tmp_path / "report"
    write_lines(results / "OTB100" / "truth" / "Basketball.txt", [(10 + i, 10, 20, 20) for i in range(4)])
    assert main(["eval", "--dataset", "OTB100", "--dataset-root", str(otb_root), "--sequences", "Basketball",
                 "--results-dir", str(results), "--report-dir", str(report)]) == 0
    captured = capsys.readouterr()
    assert "| truth |" in captured.out
    assert json.loads((report / "summary.json").read_text())["trackers"]["truth"]["summary"]["success_auc"] > 0.9
    assert sorted(p.name for p in report.iterdir()) == ["summary.json", "summary.md"]
    assert captured.err.count("\n") == 1 and "pip install 'siamban[report]'" in captured.err
