"""Hostile inputs to every subcommand: each is one ``siamban CMD: error:`` line and exit code 2, found before any
work starts, and no existing file is touched."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

from probe_model import write_probe_files
from siamban.cli import main

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    root, _boxes = write_probe_files(tmp_path_factory.mktemp("probe"), 6)
    (root / "junk.pth").write_text("this is a text file, not weights\n")
    return root


@pytest.fixture
def blocker(tmp_path) -> Path:
    """A regular file where the outputs want a folder."""
    path = tmp_path / "blocker"
    path.write_text("precious")
    return path


def _model(root: Path, weights: str = "probe.pth") -> list[str]:
    return ["--config", str(root / "probe.yaml"), "--weights", str(root / weights), "--device", "cpu"]


def one_line_error(capsys, argv: list[str]) -> str:
    """Run the CLI; assert exit 2 and exactly one ``siamban CMD: error:`` line and no traceback; return the line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "error:" in line]  # a progress bar may share stderr
    assert len(lines) == 1 and lines[0].startswith(f"siamban {argv[0]}: error: "), err
    return lines[0]


def test_empty_init_is_one_line(probe, tmp_path, capsys):
    line = one_line_error(capsys, ["track", str(probe / "square.avi"), "--init=", "-o", str(tmp_path / "b.txt")]
                          + _model(probe))
    assert "--init '': expected four numbers x,y,w,h" in line and not (tmp_path / "b.txt").exists()


@pytest.mark.parametrize("with_config", [True, False])
def test_junk_weights_for_track_are_one_line(probe, tmp_path, capsys, with_config):
    model = _model(probe, "junk.pth") if with_config else ["--weights", str(probe / "junk.pth"), "--device", "cpu"]
    line = one_line_error(capsys, ["track", str(probe / "square.avi"), "--init", "100,80,40,40", "-o",
                                   str(tmp_path / "b.txt")] + model)
    assert "junk.pth: not a readable PyTorch checkpoint" in line


def test_junk_weights_for_vot_are_one_line(probe, capsys):
    pytest.importorskip("trax", reason="vot-trax is not installed")
    assert "junk.pth: not a readable PyTorch checkpoint" in one_line_error(capsys, ["vot"] + _model(probe, "junk.pth"))


def test_nan_weights_are_refused(probe, tmp_path, capsys):
    state = torch.load(probe / "probe.pth", weights_only=True)["model"]
    state = {k: torch.full_like(v, float("nan")) if v.is_floating_point() else v for k, v in state.items()}
    torch.save(state, tmp_path / "nan.pth")
    line = one_line_error(capsys, ["track", str(probe / "square.avi"), "--init", "100,80,40,40", "-o",
                                   str(tmp_path / "b.txt"), "--config", str(probe / "probe.yaml"), "--weights",
                                   str(tmp_path / "nan.pth"), "--device", "cpu"])
    assert "hold NaN or infinite values" in line


@pytest.mark.parametrize("device, message", [
    ("tpu", "--device 'tpu': expected cpu, cuda or cuda:N"),
    ("cuda", "--device 'cuda': CUDA is not available"),
    ("cuda:99", "--device 'cuda:99'"),
])
def test_unusable_devices_are_one_line(probe, tmp_path, capsys, device, message):
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    argv = ["track", str(probe / "square.avi"), "--init", "100,80,40,40", "-o", str(tmp_path / "b.txt"),
            "--config", str(probe / "probe.yaml"), "--weights", str(probe / "probe.pth"), "--device", device]
    assert message in one_line_error(capsys, argv)


def test_track_checks_every_output_before_opening_any(probe, tmp_path, capsys):
    keep = tmp_path / "keep.txt"
    keep.write_text("line one\nline two\n")
    line = one_line_error(capsys, ["track", str(probe / "square.avi"), "--init", "100,80,40,40", "-o", str(keep),
                                   "--video", str(tmp_path / "x.gif")] + _model(probe))
    assert "--video" in line and "unsupported suffix '.gif'" in line
    assert keep.read_text() == "line one\nline two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("command", ["track-o", "track-video", "test", "eval", "tune", "synth", "prepare", "demo",
                                     "export"])
def test_outputs_under_a_regular_file_are_refused_before_any_work(probe, tmp_path, blocker, capsys, command):
    out = blocker / "out"
    video = str(probe / "square.avi")
    argv = {
        "track-o": ["track", video, "--init", "100,80,40,40", "-o", str(out / "b.txt")] + _model(probe),
        "track-video": ["track", video, "--init", "100,80,40,40", "-o", str(tmp_path / "b.txt"), "--video",
                        str(out / "v.mp4")] + _model(probe),
        "test": ["test", "--dataset", "OTB100", "--dataset-root", str(tmp_path / "none"), "--results-dir", str(out)]
        + _model(probe),
        "eval": ["eval", "--dataset", "OTB100", "--dataset-root", str(tmp_path / "none"), "--report-dir", str(out)],
        "tune": ["tune", "--dataset", "OTB100", "--dataset-root", str(tmp_path / "none"), "--out", str(out)]
        + _model(probe),
        "synth": ["synth", str(out), "--count", "1"],
        "prepare": ["prepare", "VID", str(tmp_path / "raw"), str(out)],
        "demo": ["demo", "-o", str(out)],
        "export": ["export", "onnx", str(out), "--no-check"],
    }[command]
    line = one_line_error(capsys, argv)
    assert f"{blocker} is a file, not a folder" in line
    assert blocker.read_text() == "precious"


@pytest.mark.parametrize("fps", ["0", "-5", "nan"])
def test_realtime_needs_a_positive_frame_rate(probe, tmp_path, capsys, fps):
    line = one_line_error(capsys, ["test", "--dataset", "VOT2018", "--dataset-root", str(tmp_path / "none"),
                                   "--results-dir", str(tmp_path / "r"), "--experiment", "realtime", f"--fps={fps}"]
                          + _model(probe))
    assert "the real-time frame rate must be a positive number" in line


def test_synth_refuses_frames_too_large_to_hold(tmp_path, capsys):
    line = one_line_error(capsys, ["synth", str(tmp_path / "s"), "--width", "100000", "--height", "100000"])
    assert "frames are limited to 8192 px a side" in line and not (tmp_path / "s").exists()


def test_check_submission_refuses_a_zip_bomb_without_inflating_it(tmp_path, capsys):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt", "w", force_zip64=True) as member:
            for _ in range(80):
                member.write(b"0" * (1 << 20))
    line = one_line_error(capsys, ["eval", "--check-submission", str(bomb)])
    assert "is 80 MB uncompressed, over the 64 MB a submission member may hold" in line


@pytest.mark.parametrize("stdin", [b"", b"garbage line\n"])
def test_vot_with_closed_stdin_or_a_garbage_line_is_one_line(probe, stdin):
    pytest.importorskip("trax", reason="vot-trax is not installed")
    command = [sys.executable, "-c",
               f"import sys; sys.path.insert(0, {str(TESTS)!r}); import probe_model; from siamban.cli import main; "
               f"sys.exit(main(['vot'] + {_model(probe)!r}))"]
    done = subprocess.run(command, input=stdin, capture_output=True, timeout=120,
                          env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    err = done.stderr.decode()
    assert done.returncode == 2 and "Traceback" not in err
    assert err.strip().splitlines() == [err.strip()] and err.startswith("siamban vot: error: TraX protocol: no valid "
                                                                       "request on stdin")


def test_vot_whose_client_closes_stdin_after_hello_ends_in_one_line(probe):
    """The TraX library spins forever in C on a closed input after a lone hello (deaf to SIGTERM): the stdin watch
    ends the session within its grace period."""
    pytest.importorskip("trax", reason="vot-trax is not installed")
    command = [sys.executable, "-c",
               f"import sys; sys.path.insert(0, {str(TESTS)!r}); import probe_model; from siamban.cli import main; "
               f"sys.exit(main(['vot'] + {_model(probe)!r}))"]
    done = subprocess.run(command, input=b"@@TRAX:hello\n", capture_output=True, timeout=60,
                          env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    err = done.stderr.decode()
    assert done.returncode == 2 and err.strip().splitlines() == [
        "siamban vot: error: TraX protocol: the client closed stdin without a request to answer; siamban vot is "
        "started by a TraX client such as the VOT toolkit"]


def test_truncated_video_is_tracked_with_a_one_line_warning(probe, tmp_path, capsys):
    data = (probe / "square.avi").read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) * 2 // 3])
    out = tmp_path / "b.txt"
    assert main(["track", str(cut), "--init", "100,80,40,40", "-o", str(out)] + _model(probe)) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and warnings[0].startswith("siamban track: warning: ")
    assert "its header says 6 frames but only" in warnings[0]
    assert 0 < len(out.read_text().splitlines()) < 6
