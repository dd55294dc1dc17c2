"""Regression tests for the classes of bug ``tools/hostile_sweep.py`` found: each hostile input is one
``siamban CMD: error:`` line and exit code 2, and nothing outside the outputs is touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from siamban.evaluation.tune import SearchSpace, plan_trials, read_log
from siamban.cli import main
from siamban.config import load_config
from siamban.errors import ConfigError, InputError, OutputError
from siamban.geometry import check_box_xywh
from siamban.io.atomic import check_folder_name, check_not_input, check_output_file


@pytest.fixture
def frames(tmp_path) -> Path:
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(3):
        image = np.full((60, 80, 3), 30, np.uint8)
        image[20:40, 20 + i:40 + i] = 230
        cv2.imwrite(str(folder / f"{i + 1:05d}.jpg"), image)
    return folder


def one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "usage:" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"siamban {argv[0]}: error: "), err
    return lines[0]


def test_usage_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["track", "frames", "--start-frame", "abc"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("siamban track: error: argument --start-frame: invalid int value")


@pytest.mark.parametrize("output, message", [
    ("", "empty path"), ("newdir/", "names a folder"), (".", "names a folder"), ("..", "names a folder")])
def test_output_file_names_that_are_folders_are_refused(output, message):
    with pytest.raises(OutputError, match=message):
        check_output_file(output, "-o")


def test_a_device_is_never_replaced_by_an_output_file(tmp_path):
    with pytest.raises(OutputError, match="not a regular file"):
        check_output_file("/dev/full", "-o")  # a rename over it would replace the device node
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="not a regular file"):
        check_output_file(fifo, "-o")


def test_an_output_that_is_an_input_frame_is_refused(frames, capsys):
    before = (frames / "00001.jpg").read_bytes()
    line = one_line_error(capsys, ["track", str(frames), "--init", "20,20,20,20", "-o", str(frames / "00001.jpg")])
    assert "is an input file" in line and (frames / "00001.jpg").read_bytes() == before
    with pytest.raises(OutputError, match="is an input file"):
        check_not_input(frames / "x" / ".." / "00002.jpg", [frames / "00002.jpg"])


def test_empty_box_file_name_is_refused_not_defaulted(frames, tmp_path, capsys):
    one_line_error(capsys, ["track", str(frames), "--init", "20,20,20,20", "-o", ""])
    assert not list(Path.cwd().glob("frames_boxes.txt"))


def test_start_frame_past_the_end_is_refused_at_once(frames, capsys):
    line = one_line_error(capsys, ["track", str(frames), "--init", "20,20,20,20", "--start-frame",
                                   str(10 ** 20), "-o", str(frames.parent / "b.txt")])
    assert "has no frame" in line and "it has 3 frames" in line


def test_absurd_thread_counts_are_refused(frames, capsys):
    line = one_line_error(capsys, ["track", str(frames), "--init", "20,20,20,20", "--threads", "100000", "-o",
                                   str(frames.parent / "b.txt")])
    assert "--threads 100000: at most" in line


def test_a_box_many_frames_large_is_refused_before_allocating_its_crop():
    with pytest.raises(InputError, match="larger than 4 times"):
        check_box_xywh([0, 0, 100000, 100000], (120, 160, 3))
    check_box_xywh([-10, -10, 200, 150], (120, 160, 3))  # larger than the frame, partly outside: fine


def test_deeply_nested_yaml_is_a_config_error(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(path)


@pytest.mark.parametrize("name", ["", ".", "..", "../../escaped", "/tmp/x", "a/b"])
def test_tracker_names_cannot_leave_the_results_folder(name):
    with pytest.raises(OutputError, match="must be one folder name"):
        check_folder_name(name, "--tracker-name")


def test_tune_refuses_absurd_budgets_seeds_ranges_and_binary_logs(tmp_path):
    with pytest.raises(InputError, match="at most"):
        plan_trials("grid", 10 ** 18)
    with pytest.raises(InputError, match="--seed -1"):
        plan_trials("random", 1, seed=-1)
    with pytest.raises(InputError, match="must lie in 0..1"):
        SearchSpace(lr=(0.0, 5.0))
    log = tmp_path / "trials.jsonl"
    log.write_bytes(b"\x91\xff\x00 not text")
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_log(log)


def test_index_json_with_wrong_types_is_a_dataset_error(tmp_path, frames, capsys):
    seq = tmp_path / "ds" / "seq_a"
    (seq / "img").mkdir(parents=True)
    for f in frames.iterdir():
        (seq / "img" / f.name).write_bytes(f.read_bytes())
    (seq / "groundtruth.txt").write_text("20,20,20,20\n" * 3)
    (tmp_path / "ds" / "index.json").write_text('{"seq_a": {"frames": "five"}}')
    line = one_line_error(capsys, ["eval", "--dataset", "folders", "--dataset-root", str(tmp_path / "ds"),
                                   "--results-dir", str(tmp_path / "r")])
    assert "frames, first_box and size must be numbers" in line


def test_synth_refuses_nan_options(tmp_path, capsys):
    line = one_line_error(capsys, ["synth", str(tmp_path / "s"), "--count", "1", "--max-speed", "nan"])
    assert "max_speed" in line and "finite" in line and not (tmp_path / "s").exists()


def test_prepare_refuses_zero_workers(tmp_path, capsys):
    (tmp_path / "raw").mkdir()
    assert "-j/--workers 0" in one_line_error(capsys, ["prepare", "VIDEOS", str(tmp_path / "raw"),
                                                       str(tmp_path / "out"), "-j", "0"])


def test_a_junk_video_is_one_line_without_ffmpeg_noise(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_text("not a video\n")
    done = subprocess.run([sys.executable, "-m", "siamban", "track", str(junk), "--init", "1,1,5,5", "-o",
                           str(tmp_path / "b.txt")], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]  # no "moov atom not found" above it
    assert done.stderr.startswith("siamban track: error: ")


def test_sigterm_leaves_no_temporary_file(tmp_path):
    """SIGTERM (kill, a scheduler's time limit) ends like Ctrl-C: the ``finally`` blocks run, no ``.tmp`` stays."""
    script = ("import signal, sys, time; from siamban.cli import main; from siamban.io.atomic import atomic_write\n"
              "import siamban.cli.synth as synth\n"
              "def run(args):\n"
              f"    with atomic_write({str(tmp_path / 'out.txt')!r}) as f:\n"
              "        f.write('partial'); f.flush(); print('ready', flush=True); time.sleep(60)\n"
              "synth.run = run\n"
              f"sys.exit(main(['synth', {str(tmp_path / 's')!r}]))\n")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143 and err.strip() == "siamban synth: terminated"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_synth_negative_seed_is_one_line(capsys, tmp_path):
    from siamban.cli import main

    assert main(["synth", str(tmp_path / "s"), "--seed", "-1", "--count", "1"]) == 2
    assert capsys.readouterr().err.strip() == (
        "siamban synth: error: --seed -1: must be 0 or more (sequence i uses seed + i)")
    assert not (tmp_path / "s").exists()


def test_opencv_and_ffmpeg_log_lines_are_quiet_after_import(tmp_path):
    import subprocess
    import sys

    junk = tmp_path / "junk.mp4"
    junk.write_bytes(bytes(range(256)) * 20)
    code = (f"import siamban, cv2; assert not cv2.VideoCapture({str(junk)!r}).isOpened(); "
            f"assert cv2.imread({str(tmp_path / 'nope.jpg')!r}) is None")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0 and done.stderr == ""


def test_synth_object_counts_are_bounded(capsys, tmp_path):
    from siamban.cli import main

    assert main(["synth", str(tmp_path / "s"), "--distractors", "100000", "--count", "1"]) == 2
    assert capsys.readouterr().err.strip() == (
        "siamban synth: error: SyntheticConfig.distractors = 100000: at most 50 (each is drawn on every frame)")
