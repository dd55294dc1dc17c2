"""Issue 20: hostile benchmark inputs are refused with one line naming the fault, never scored or tracked wrongly:
non-finite result lines (``siamban eval`` and a resumed ``siamban test`` share one check), empty GOT-10k
submissions, malformed sequence folders, and sequences whose frames differ in size (every runner)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from bench_fakes import StaticFactory, StaticTracker, write_frames, write_lines
from siamban.cli import main
from siamban.evaluation import RunOptions, load_benchmark, run_benchmark
from siamban.evaluation.datasets.base import Sequence
from siamban.evaluation.results import check_submission, read_boxes, result_paths
from siamban.evaluation.runners import TrackerPool
from siamban.evaluation.runners.protocols import run_ope, run_realtime, run_supervised
from siamban.errors import DatasetError, InputError, SiamBANWarning


def _folders(root: Path, sizes: dict[str, list[tuple[int, int]]]) -> Path:
    """A ``folders`` benchmark: one OTB-layout sequence per name, one frame per size given."""
    for name, frame_sizes in sizes.items():
        for i, size in enumerate(frame_sizes, 1):
            write_frames(root / name / "img", 1, start=i, size=size)
        write_lines(root / name / "groundtruth.txt", [(5, 5, 20, 20)] * len(frame_sizes))
    return root


def _one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"siamban {argv[0]}: error: "), lines
    return lines[0]


# ----------------------------------------------------------------------------------------------------------------------
# 1. non-finite result lines


@pytest.mark.parametrize("bad", ["nan,1,5,5", "1,1,inf,5", "1 -inf 5 5", "NaN\t1\t5\t5"])
def test_eval_refuses_a_result_file_with_a_non_finite_box_naming_file_and_line(tmp_path, capsys, bad):
    root = _folders(tmp_path / "seqs", {"a": [(64, 48)] * 3})
    bench = load_benchmark("folders", root)
    path, _ = result_paths(bench, tmp_path / "results", "t", bench["a"])
    write_lines(path, ["5,5,20,20", "", bad, "6,6,20,20"])  # the blank line is not a frame, but counts as a line
    with pytest.raises(InputError) as info:
        read_boxes(path, 3)
    assert str(info.value) == f"{path}:3: non-finite value (nan or inf): {bad!r}"
    line = _one_line_error(capsys, ["eval", "--dataset", "folders", "--dataset-root", str(root),
                                    "--results-dir", str(tmp_path / "results")])
    assert line == f"siamban eval: error: {path}:3: non-finite value (nan or inf): {bad!r}"
    # the same file is not counted as done by a resumed `siamban test`: it is run again, then scores
    with pytest.warns(SiamBANWarning, match=f"running the sequence again: {path}:3: non-finite"):
        summary = run_benchmark(bench, StaticFactory((5, 5, 20, 20)), tmp_path / "results", "t", show_progress=False)
    assert summary.done == ["a"]
    assert read_boxes(path, 3).tolist() == [[5.5, 5.5, 20.0, 20.0]] + [[5.0, 5.0, 20.0, 20.0]] * 2  # pysot's init
    assert main(["eval", "--dataset", "folders", "--dataset-root", str(root),
                 "--results-dir", str(tmp_path / "results")]) == 0


def test_eval_refuses_vot_codes_it_does_not_know(tmp_path):
    from siamban.evaluation.results import read_vot_repetitions

    folder = tmp_path / "seq"
    write_lines(folder / "seq_001.txt", ["1", "5,5,20,20", "3", "0"])
    with pytest.raises(InputError, match=r"seq_001\.txt:3: VOT code 3 is none of 0 \(skipped\), 1 \(initialised\)"):
        read_vot_repetitions(folder, "seq", 4)
    write_lines(folder / "seq_001.txt", ["1", "5,5,20,20", "2", "0"])
    assert read_vot_repetitions(folder, "seq", 4) == [[[1.0], [5.0, 5.0, 20.0, 20.0], [2.0], [0.0]]]
    with pytest.raises(InputError, match=r"seq_001\.txt: 4 lines for 5 frames$"):
        read_vot_repetitions(folder, "seq", 5)


# ----------------------------------------------------------------------------------------------------------------------
# 2. empty GOT-10k submissions


def _got10k_test_split(tmp_path: Path) -> Path:
    root = tmp_path / "GOT-10k"
    names = ["GOT-10k_Test_000001", "GOT-10k_Test_000002"]
    write_lines(root / "test" / "list.txt", names)
    for name in names:
        write_frames(root / "test" / name, 3)
        write_lines(root / "test" / name / "groundtruth.txt", [(5, 5, 20, 20)])
    return root


def test_an_empty_submission_folder_or_zip_says_what_is_missing(tmp_path, capsys):
    folder = tmp_path / "empty"
    folder.mkdir()
    archive = tmp_path / "empty.zip"
    zipfile.ZipFile(archive, "w").close()
    junk = tmp_path / "junk"
    write_lines(junk / "notes.txt", ["hello"])
    needs = "<seq>/<seq>_001.txt and <seq>/<seq>_time.txt"
    for path in (folder, archive):
        problems, count = check_submission(path)
        assert count == 0 and problems == [
            f"holds no result files: a submission needs {needs} for every test sequence (with --dataset-root: "
            "checked against the split's list)"]
        assert main(["eval", "--check-submission", str(path)]) == 1
        out = capsys.readouterr().out
        assert "OK" not in out and f"{path}: holds no result files" in out
    problems, _ = check_submission(junk)
    assert problems[1].startswith("holds no result files")
    root = _got10k_test_split(tmp_path)
    bench = load_benchmark("GOT-10k", root)
    problems, count = check_submission(archive, bench)
    assert count == 0 and problems == [f"2 of 2 sequences missing, each needs {needs} (first: GOT-10k_Test_000001)"]
    assert main(["eval", "--check-submission", str(folder), "--dataset", "GOT-10k", "--dataset-root", str(root)]) == 1
    assert "2 of 2 sequences missing" in capsys.readouterr().out


# ----------------------------------------------------------------------------------------------------------------------
# 3. malformed sequence folders and mixed frame sizes


@pytest.mark.parametrize("breakage, problem", [
    ("groundtruth-folder", "groundtruth.txt is not a readable file (a folder or a broken link?)"),
    ("img-file", "img is not a folder, so the sequence has no frames"),
    ("no-groundtruth", "no groundtruth.txt or groundtruth_rect.txt"),
    ("no-frames", "no frames (expected img/*.jpg, images beside the ground truth, or video.mp4)"),
])
def test_a_malformed_sequence_folder_is_a_dataset_error_not_skipped(tmp_path, capsys, breakage, problem):
    root = _folders(tmp_path / "seqs", {"good": [(64, 48)] * 2, "bad": [(64, 48)] * 2})
    bad = root / "bad"
    if breakage == "groundtruth-folder":
        (bad / "groundtruth.txt").unlink()
        (bad / "groundtruth.txt").mkdir()
    elif breakage == "img-file":
        for p in (bad / "img").iterdir():
            p.unlink()
        (bad / "img").rmdir()
        (bad / "img").write_text("not a folder")
    elif breakage == "no-groundtruth":
        (bad / "groundtruth.txt").unlink()
    else:
        for p in (bad / "img").iterdir():
            p.unlink()
        (bad / "img").rmdir()
    with pytest.raises(DatasetError) as info:
        load_benchmark("folders", root)
    assert str(info.value) == f"{bad}: looks like a sequence folder but {problem}"
    line = _one_line_error(capsys, ["test", "--dataset", "folders", "--dataset-root", str(root), "--opencv", "csrt",
                                    "--results-dir", str(tmp_path / "results"), "--quiet"])
    assert line == f"siamban test: error: {bad}: looks like a sequence folder but {problem}"


def test_unrelated_folders_beside_sequences_are_still_ignored(tmp_path):
    root = _folders(tmp_path / "seqs", {"good": [(64, 48)] * 2})
    write_lines(root / "notes" / "README.txt", ["not a sequence"])
    (root / ".cache").mkdir()
    assert [s.name for s in load_benchmark("folders", root)] == ["good"]


def _mixed(tmp_path: Path) -> Sequence:
    root = _folders(tmp_path / "seqs", {"mixed": [(64, 48), (64, 48), (32, 24), (64, 48)]})
    return load_benchmark("folders", root)["mixed"]


def test_every_runner_refuses_a_sequence_whose_frames_differ_in_size(tmp_path):
    seq = _mixed(tmp_path)
    third = seq.frames[2]
    message = (f"{third}: 32x24 pixels, but the sequence's first frame (00000001.jpg) is 64x48: every frame of a "
               "sequence must have the same size")
    tracker = StaticTracker((5, 5, 20, 20))  # always overlaps: the supervised runs never skip the odd frame
    for run in (lambda: run_ope(tracker, seq), lambda: run_supervised(tracker, seq),
                lambda: run_realtime(tracker, seq, fps=1e-3)):
        with pytest.raises(DatasetError) as info:
            run()
        assert str(info.value) == message
    bench = load_benchmark("folders", seq.frames[0].parents[2])
    with pytest.raises(DatasetError, match="32x24 pixels"):
        run_benchmark(bench, StaticFactory((5, 5, 20, 20)), tmp_path / "batched", "t", show_progress=False,
                      batch_factory=lambda: TrackerPool(lambda: StaticTracker((5, 5, 20, 20)), capacity=2))
    assert not list((tmp_path / "batched").rglob("*.txt"))  # nothing written for the refused sequence


def test_test_cli_refuses_mixed_frame_sizes_in_one_line(tmp_path, capsys):
    seq = _mixed(tmp_path)
    root = seq.frames[0].parents[2]
    line = _one_line_error(capsys, ["test", "--dataset", "folders", "--dataset-root", str(root), "--opencv", "csrt",
                                    "--results-dir", str(tmp_path / "results"), "--quiet"])
    assert line.startswith(f"siamban test: error: {seq.frames[2]}: 32x24 pixels, but the sequence's first frame")
    results = tmp_path / "results" / "folders" / "opencv-csrt"
    assert not (results / "mixed.txt").exists()


def test_same_size_sequences_still_track(tmp_path):
    root = _folders(tmp_path / "seqs", {"a": [(64, 48)] * 3, "b": [(32, 24)] * 2})
    bench = load_benchmark("folders", root)
    summary = run_benchmark(bench, StaticFactory((5, 5, 20, 20)), tmp_path / "r", "t", show_progress=False,
                            options=RunOptions())
    assert sorted(summary.done) == ["a", "b"] and summary.frames == 5
    run = run_ope(StaticTracker((1, 2, 3, 4)), bench["a"])
    assert np.array_equal(run.boxes, [[5.5, 5.5, 20, 20], [1, 2, 3, 4], [1, 2, 3, 4]])
