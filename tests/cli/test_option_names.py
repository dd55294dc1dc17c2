"""One spelling and one meaning per shared option across every subcommand (issue 17), and ``--backend`` on test and
tune (issue 18): ONNX Runtime gives the boxes PyTorch gives."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from probe_model import write_probe_otb
from siamban.cli import COMMANDS, build_parser, main
from siamban.cli.common import SHARED_HELP

#: Shared option string -> the dest it fills on every command that takes it.
SHARED = {"--config": "config", "--weights": "weights", "--device": "device", "--set": "overrides",
          "--backend": "backend", "--workers": "workers", "--threads": "threads", "--quiet": "quiet"}
#: Commands that write a main output, so take ``-o/--output`` (``test`` keeps ``results_dir``: args.yaml records it).
WRITERS = {"track", "demo", "synth", "prepare", "train", "test", "eval", "tune", "export onnx"}
OUTPUT_DEST = {"test": "results_dir"}
#: Options each command must take (besides -o where it writes).
EXPECTED = {
    "track": {"--config", "--weights", "--device", "--set", "--backend", "--threads", "--quiet"},
    "demo": {"--config", "--weights", "--device", "--set", "--backend", "--threads", "--quiet"},
    "synth": {"--quiet"},
    "prepare": {"--workers", "--quiet"},
    "train": {"--config", "--device", "--set", "--workers", "--quiet"},
    "test": {"--config", "--weights", "--device", "--set", "--backend", "--workers", "--threads", "--quiet"},
    "eval": set(),
    "tune": {"--config", "--weights", "--device", "--set", "--backend", "--workers", "--threads", "--quiet"},
    "vot": {"--config", "--weights", "--device", "--set", "--backend", "--threads"},
    "export onnx": {"--config", "--weights", "--set"},
}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def command_parsers() -> dict[str, argparse.ArgumentParser]:
    """Every leaf command's parser: ``track``, ..., and ``export onnx``."""
    found = {}
    for name, parser in _subparsers(build_parser()).items():
        nested = _subparsers(parser)
        found.update({f"{name} {n}": p for n, p in nested.items()} if nested else {name: parser})
    return found


def test_every_command_is_walked():
    assert set(command_parsers()) == set(EXPECTED) and set(COMMANDS) == {c.split()[0] for c in EXPECTED}


@pytest.mark.parametrize("command", sorted(EXPECTED))
def test_shared_options_have_one_name_one_dest_one_meaning(command):
    parser = command_parsers()[command]
    taken = set()
    for action in parser._actions:
        shared = [s for s in action.option_strings if s in SHARED]
        if shared:
            (name,) = shared
            taken.add(name)
            assert action.dest == SHARED[name], f"{command} {name}"
            assert action.help.startswith(SHARED_HELP[action.dest]), f"{command} {name}: {action.help!r}"
        if "-o" in action.option_strings or "--output" in action.option_strings:
            assert {"-o", "--output"} <= set(action.option_strings), command
            assert action.dest == OUTPUT_DEST.get(command, "output"), command
            taken.add("-o")
        # the old spellings live on as aliases only (eval's --results-dir is its input: the root test wrote)
        assert not {"--no-progress", "--out", "--report-dir"} & set(action.option_strings) or (
            "-o" in action.option_strings or "--quiet" in action.option_strings), f"{command}: an alias on its own"
    assert EXPECTED[command] <= taken, f"{command} lacks {sorted(EXPECTED[command] - taken)}"
    assert ("-o" in taken) == (command in WRITERS), command


@pytest.mark.parametrize("command, argv, dest, value", [
    ("test", ["--dataset", "d", "--dataset-root", "r", "--results-dir", "x"], "results_dir", "x"),
    ("eval", ["--report-dir", "x"], "output", "x"),
    ("tune", ["--dataset", "d", "--dataset-root", "r", "--out", "x"], "output", "x"),
    ("train", ["--config", "c", "--no-progress"], "quiet", True),
    ("prepare", ["VID", "raw", "--no-progress", "-j", "3"], "quiet", True),
    ("prepare", ["VID", "raw", "out"], "out_dir", "out"),
    ("synth", ["-o", "x"], "output", "x"),
])
def test_old_spellings_still_work(command, argv, dest, value):
    args = build_parser().parse_args([command, *argv])
    assert getattr(args, dest) == value


def test_output_folder_given_twice_or_not_at_all_is_one_line(tmp_path, capsys):
    assert main(["synth", str(tmp_path / "a"), "-o", str(tmp_path / "b"), "--count", "1"]) == 2
    assert main(["synth", "--count", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"siamban synth: error: OUT_DIR {tmp_path / 'a'} and -o {tmp_path / 'b'}: give the output folder "
                   "once", "siamban synth: error: no output folder: give OUT_DIR (or -o OUT_DIR)"]
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_synth_quiet_writes_without_progress(tmp_path, capsys):
    assert main(["synth", "-o", str(tmp_path / "s"), "--count", "1", "--length", "3", "--occlusions", "0",
                 "--width", "64", "--height", "48", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == f"1 sequences in {tmp_path / 's'}" and captured.err == ""
    assert len(list((tmp_path / "s" / "synthetic_000000" / "img").glob("*.jpg"))) == 3


# ----------------------------------------------------------------------------------------------------------------------
# --backend on test and tune


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    """The probe model and a one-sequence OTB layout of a moving square (6 frames)."""
    return write_probe_otb(tmp_path_factory.mktemp("probe"), 6)


def _test(probe, results, *extra):
    return ["test", "--dataset", "OTB100", "--dataset-root", str(probe / "OTB100"), "-o", str(results), "--quiet",
            "--device", "cpu", "--threads", "1", *extra]


def test_test_backend_onnxruntime_matches_torch(probe, tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    model = ["--config", str(probe / "probe.yaml"), "--weights", str(probe / "probe.pth")]
    assert main(_test(probe, tmp_path / "r", *model)) == 0
    assert main(_test(probe, tmp_path / "r", *model, "--backend", "onnxruntime")) == 0
    torch_boxes = np.loadtxt(tmp_path / "r" / "OTB100" / "probe" / "Square.txt", delimiter=",")
    onnx_boxes = np.loadtxt(tmp_path / "r" / "OTB100" / "probe-onnxruntime" / "Square.txt", delimiter=",")
    assert torch_boxes.shape == (6, 4) and np.abs(onnx_boxes - torch_boxes).max() < 1.0
    assert np.abs(torch_boxes[-1, :2] - torch_boxes[0, :2]).max() > 5  # the square moved, and both followed it

    export = tmp_path / "export"
    assert main(["export", "onnx", "-o", str(export), *model]) == 0
    assert main(_test(probe, tmp_path / "r", "--weights", str(export), "--backend", "onnxruntime")) == 0
    exported = np.loadtxt(tmp_path / "r" / "OTB100" / "export-onnxruntime" / "Square.txt", delimiter=",")
    assert np.abs(exported - torch_boxes).max() < 1.0
    capsys.readouterr()

    assert main(_test(probe, tmp_path / "r2", "--weights", str(export))) == 2  # the torch backend cannot run it
    assert main(_test(probe, tmp_path / "r2", *model, "--backend", "onnxruntime", "--precision", "bf16")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"siamban test: error: --weights {export}: an ONNX export; run it with --backend onnxruntime "
                   "(or give a .pth checkpoint)",
                   "siamban test: error: --precision bf16: the onnxruntime backend runs fp32 only (bf16 and fp16 need "
                   "--backend torch)"]
    assert not (tmp_path / "r2").exists()


def test_tune_backend_onnxruntime(probe, tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    argv = ["tune", "--dataset", "OTB100", "--dataset-root", str(probe / "OTB100"), "--budget", "1", "--quiet",
            "--config", str(probe / "probe.yaml"), "--weights", str(probe / "probe.pth"), "--device", "cpu"]
    assert main([*argv, "-o", str(tmp_path / "torch")]) == 0
    assert main([*argv, "-o", str(tmp_path / "onnx"), "--backend", "onnxruntime"]) == 0
    scores = [line for line in capsys.readouterr().out.splitlines() if line.startswith("best:")]
    # the same best trial with the same score
    assert len(scores) == 2 and scores[0].split(" -> ")[0] == scores[1].split(" -> ")[0]
