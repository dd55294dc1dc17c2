"""Fixtures of the benchmark tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_fakes import write_frames, write_lines


@pytest.fixture
def otb_root(tmp_path: Path) -> Path:
    """OTB layout: a plain sequence with mixed separators, a two-target video, and a late-starting range (Tiger1)."""
    root = tmp_path / "OTB100"
    write_frames(root / "Basketball" / "img", 4, "{:04d}.jpg")
    write_lines(
        root / "Basketball" / "groundtruth_rect.txt", ["10,10,20,20", "11\t10\t20\t20", "12 10 20 20", "13,10 20,20"]
    )
    write_frames(root / "Jogging" / "img", 3, "{:04d}.jpg")
    write_lines(root / "Jogging" / "groundtruth_rect.1.txt", [(5, 5, 10, 10)] * 3)
    write_lines(root / "Jogging" / "groundtruth_rect.2.txt", [(30, 5, 10, 10)] * 3)
    write_frames(root / "Tiger1" / "img", 8, "{:04d}.jpg")
    write_lines(root / "Tiger1" / "groundtruth_rect.txt", [(i, 0, 10, 10) for i in range(8)])
    return root
