"""A resumed ``siamban test`` counts an existing result file as done only when it is valid: one line of finite
numbers per frame (4 for a box; VOT codes and polygons too)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench_fakes import StaticFactory, write_frames, write_lines
from siamban.evaluation import load_benchmark, run_benchmark
from siamban.evaluation.results import result_paths
from siamban.evaluation.runners.run import result_problem
from siamban.errors import SiamBANWarning


def _got10k(tmp_path: Path):
    root = tmp_path / "GOT-10k"
    write_lines(root / "test" / "list.txt", ["GOT-10k_Test_000001"])
    write_frames(root / "test" / "GOT-10k_Test_000001", 3)
    write_lines(root / "test" / "GOT-10k_Test_000001" / "groundtruth.txt", [(5, 5, 20, 20)])
    return load_benchmark("GOT-10k", root)


@pytest.mark.parametrize("text, problem", [
    ("5,5,20,20\nabc,def,g,h\n1,1,5,5\n", ":2: not a list of numbers: 'abc,def,g,h'"),
    ("5,5,20,20\nnan,1,5,5\n1,1,5,5\n", ":2: non-finite value (nan or inf): 'nan,1,5,5'"),
    ("5,5,20,20\n\n1,1,inf,5\n1,1,5,5\n", ":3: non-finite value (nan or inf): '1,1,inf,5'"),
    ("5,5,20,20\n1,1,5\n1,1,5,5\n", ":2: expected 4 values, got 3: '1,1,5'"),
    ("5,5,20,20\n1,1,5,5\n", ": 2 lines for 3 frames"),
    ("5,5,20,20\n" * 5, ": 5 lines for 3 frames"),
    ("5,5,20,20\n" + " " * 2000 + "\n", ": 2011 bytes, far too long for 3 frames"),
])
def test_garbage_result_files_are_run_again_with_a_warning(tmp_path, text, problem):
    bench = _got10k(tmp_path)
    (seq,) = list(bench)
    path, _ = result_paths(bench, tmp_path / "r", "t", seq)
    path.parent.mkdir(parents=True)
    path.write_text(text)
    assert result_problem(path, 3, "got10k") == f"{path}{problem}"
    with pytest.warns(SiamBANWarning, match="existing result file is not valid, running the sequence again: .*"
                                            + re.escape(problem)):
        summary = run_benchmark(bench, StaticFactory((1, 1, 5, 5)), tmp_path / "r", "t", show_progress=False)
    assert summary.done == [seq.name] and summary.skipped == []
    assert path.read_text().splitlines()[1] == "1.0000,1.0000,5.0000,5.0000"


def test_a_valid_result_file_is_kept(tmp_path):
    bench = _got10k(tmp_path)
    (seq,) = list(bench)
    path, _ = result_paths(bench, tmp_path / "r", "t", seq)
    path.parent.mkdir(parents=True)
    path.write_text("5,5,20,20\n1\t1\t5\t5\n1 1 5 5\n")
    summary = run_benchmark(bench, StaticFactory((9, 9, 9, 9)), tmp_path / "r", "t", show_progress=False)
    assert summary.skipped == [seq.name] and path.read_text() == "5,5,20,20\n1\t1\t5\t5\n1 1 5 5\n"


def test_vot_trajectories_accept_codes_and_polygons(tmp_path):
    path = tmp_path / "seq_001.txt"
    path.write_text("1\n0\n1,2,3,4\n1,2,3,4,5,6,7,8\n2\n")
    assert result_problem(path, 5, "vot") == ""
    path.write_text("1\n0\n1,2\n1,2,3,4,5,6,7,8\n2\n")
    assert result_problem(path, 5, "vot") == f"{path}:3: expected 1 or 4 or 6 or 8 values, got 2: '1,2'"
    path.write_text("1\n\n7\n1,2,3,4,5,6,7,8\n2\n1,2,3,4\n")
    assert result_problem(path, 5, "vot") == (
        f"{path}:3: VOT code 7 is none of 0 (skipped), 1 (initialised), 2 (failure)")
    path.write_text("1\n0\n1,2,3,4\n1,2,3,nan,5,6,7,8\n2\n")
    assert result_problem(path, 5, "vot") == f"{path}:4: non-finite value (nan or inf): '1,2,3,nan,5,6,7,8'"
