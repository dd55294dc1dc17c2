"""``siamban synth`` on the base install: generated imagery (no scikit-image), and an OTB100-readable layout."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import numpy as np

from siamban.evaluation.datasets import load_benchmark
from siamban.cli import main
from siamban.data.synthetic import SyntheticConfig, generate_sequence, generated_images

SMALL = ["--width", "96", "--height", "72", "--distractors", "0", "--occlusions", "0"]


def test_synth_writes_a_layout_otb100_reads_with_the_generated_boxes(tmp_path, capsys):
    out = tmp_path / "synth"
    assert main(["synth", str(out), "--count", "2", "--seed", "5", "--length", "7", *SMALL]) == 0
    assert capsys.readouterr().out.strip() == f"2 sequences in {out}"
    benchmark = load_benchmark("OTB100", out)
    assert benchmark.name == "OTB100" and benchmark.protocol == "ope"
    assert [s.name for s in benchmark] == ["synthetic_000005", "synthetic_000006"]
    config = SyntheticConfig(width=96, height=72, length=7, distractors=0, occlusions=0)
    for seed, sequence in zip((5, 6), benchmark):
        assert len(sequence.frames) == 7 and sequence.ground_truth.shape == (7, 4)
        assert [p.name for p in sequence.frames] == [f"{i:05d}.jpg" for i in range(1, 8)]
        assert all(p.parent.name == "img" and p.is_file() for p in sequence.frames)
        expected = generate_sequence(seed, config).boxes  # the files hold the generator's exact 0-based boxes
        np.testing.assert_array_equal(sequence.ground_truth, expected)
        assert (sequence.ground_truth[:, 2:] >= 4).all()
    # the same folder reads as the generic sequence layout too (groundtruth.txt beside groundtruth_rect.txt)
    folders = load_benchmark("folders", out)
    np.testing.assert_array_equal(folders["synthetic_000006"].ground_truth, benchmark["synthetic_000006"].ground_truth)


def test_generated_imagery_is_fixed_and_textured():
    images = generated_images()
    assert len(images) == 6 and all(i.shape == (240, 320, 3) and i.dtype == np.uint8 for i in images)
    assert generated_images() is images  # drawn once per process
    for image in images:
        assert image.std() > 15  # texture to track, not a flat colour
        assert not np.array_equal(image[:, :, 0], image[:, :, 1])  # colour, not grey
    first = generate_sequence(3, SyntheticConfig(width=64, height=48, length=3, distractors=0, occlusions=0))
    again = generate_sequence(3, SyntheticConfig(width=64, height=48, length=3, distractors=0, occlusions=0))
    assert all(np.array_equal(a, b) for a, b in zip(first.frames, again.frames))


_BLOCK_SKIMAGE = textwrap.dedent(
    """
    import importlib.abc, sys

    class BlockSkimage(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "skimage" or name.startswith("skimage."):
                raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
            return None

    sys.meta_path.insert(0, BlockSkimage())
    for name in [n for n in sys.modules if n == "skimage" or n.startswith("skimage.")]:
        del sys.modules[name]
    from siamban.cli import main
    code = main(sys.argv[1:])
    assert "skimage" not in sys.modules, "siamban synth imported scikit-image"
    sys.exit(code)
    """
)


def _synth_without_skimage(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _BLOCK_SKIMAGE, "synth", *argv], capture_output=True, text=True,
                          timeout=120)


def test_synth_runs_without_scikit_image(tmp_path):
    out = tmp_path / "synth"
    done = subprocess.run([sys.executable, "-c", _BLOCK_SKIMAGE, "synth", str(out), "--count", "1", "--length", "4",
                           *SMALL], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert load_benchmark("OTB100", out)["synthetic_000000"].ground_truth.shape == (4, 4)


def test_photographs_without_scikit_image_are_one_line_and_write_nothing(tmp_path, capsys, monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "skimage" else real_find_spec(name, *a))
    out = tmp_path / "synth"
    assert main(["synth", str(out), "--count", "1", "--length", "4", *SMALL, "--photographs"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err]
    assert err.startswith("siamban synth: error: ") and "pip install 'siamban[train]'" in err
    assert not out.exists()
