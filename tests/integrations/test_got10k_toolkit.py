"""The GOT-10k toolkit drives a SiamBAN tracker through ``siamban.integrations.got10k_toolkit``."""

from __future__ import annotations

import importlib
import sys

import cv2
import numpy as np
import pytest

from probe_model import moving_square_video, write_probe_files
from siamban.errors import DependencyError, InputError

got10k_trackers = pytest.importorskip("got10k.trackers")


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    root, _ = write_probe_files(tmp_path_factory.mktemp("probe"), 2)
    return root


def test_got10k_track_follows_a_moving_square(probe, tmp_path):
    from siamban.integrations.got10k_toolkit import SiamBANGOT10kTracker

    frames, boxes = moving_square_video(10)
    files = []
    for i, frame in enumerate(frames, start=1):
        files.append(str(tmp_path / f"{i:04d}.jpg"))
        cv2.imwrite(files[-1], frame, [cv2.IMWRITE_JPEG_QUALITY, 95])
    tracker = SiamBANGOT10kTracker(probe / "probe.yaml", probe / "probe.pth", name="SiamBAN-probe", device="cpu")
    assert isinstance(tracker, got10k_trackers.Tracker)
    assert tracker.name == "SiamBAN-probe" and tracker.is_deterministic
    tracked, times = tracker.track(files, boxes[0])  # the toolkit's own loop: PIL images in RGB
    assert tracked.shape == (10, 4) and times.shape == (10,)
    assert (times > 0).all()
    np.testing.assert_array_equal(tracked[0], boxes[0])
    assert np.abs(tracked[1:, :2] - boxes[1:, :2]).max() <= 4.0  # the square moves 36 px right, 18 down
    assert np.abs(tracked[1:, 2:] - boxes[1:, 2:]).max() <= 4.0
    assert tracked[-1, 0] - tracked[0, 0] > 30


def test_update_refuses_what_is_not_an_image(probe):
    from siamban.integrations.got10k_toolkit import SiamBANGOT10kTracker

    tracker = SiamBANGOT10kTracker(probe / "probe.yaml", probe / "probe.pth", device="cpu")
    with pytest.raises(InputError, match=r"expected a PIL image or an HxWx3 uint8 RGB array, got float64 \(4, 4\)"):
        tracker.init(np.zeros((4, 4)), [0, 0, 2, 2])


def test_missing_toolkit_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "got10k", None)
    monkeypatch.setitem(sys.modules, "got10k.trackers", None)
    monkeypatch.delitem(sys.modules, "siamban.integrations.got10k_toolkit", raising=False)
    with pytest.raises(DependencyError, match=r"^siamban.integrations.got10k_toolkit needs the GOT-10k toolkit: "
                                              r"pip install got10k$"):
        importlib.import_module("siamban.integrations.got10k_toolkit")
    import siamban.integrations  # the package itself needs no toolkit

    assert "got10k" in siamban.integrations.__doc__
