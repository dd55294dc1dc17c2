"""The real TraX client library (vot-trax) drives `siamban vot` over a VOT-layout sequence read from disk."""

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from probe_model import PROBE_CONFIG, moving_square_video, probe_model
from siamban.config import save_config
from siamban.geometry import iou_xywh, polygon_to_xywh

trax = pytest.importorskip("trax", reason="vot-trax (the TraX library) is not installed")

TESTS = Path(__file__).resolve().parents[1]


def test_polygon_to_box_as_the_official_vot_scripts():
    # an axis-aligned 10x20 rectangle given as a polygon: centre (5, 10), size (10 + 1, 20 + 1), x = 5 - (11 - 1) / 2
    assert polygon_to_xywh([0, 0, 10, 0, 10, 20, 0, 20]).tolist() == [0.0, 0.0, 11.0, 21.0]
    # a square rotated by 45 degrees, side sqrt(2) * 10: extremes 20 x 20, area 200 -> scale sqrt(1/2)
    box = polygon_to_xywh([10, 0, 20, 10, 10, 20, 0, 10])
    side = np.sqrt(0.5) * 20 + 1
    assert box.tolist() == pytest.approx([10 - (side - 1) / 2, 10 - (side - 1) / 2, side, side])
    assert polygon_to_xywh([1, 2, 3, 4]).tolist() == [1, 2, 3, 4]


def make_vot_sequence(root: Path) -> np.ndarray:
    frames, boxes = moving_square_video(20)
    (root / "color").mkdir(parents=True)
    lines = []
    for i, (frame, (x, y, w, h)) in enumerate(zip(frames, boxes)):
        cv2.imwrite(str(root / "color" / f"{i + 1:08d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 95])
        lines.append(",".join(f"{v:.2f}" for v in (x, y, x + w, y, x + w, y + h, x, y + h)))
    (root / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    return boxes


def test_trax_client_runs_the_tracker_over_a_sequence_on_disk(tmp_path):
    from trax.image import FileImage
    from trax.client import Client
    from trax.region import Polygon

    boxes = make_vot_sequence(tmp_path / "square")
    save_config(PROBE_CONFIG, tmp_path / "probe.yaml")
    torch.save(probe_model().state_dict(), tmp_path / "probe.pth")
    # The probe backbone is registered by importing the test helper: the server runs as the VOT toolkit would
    # start a tracker command, with the helper on the path.
    command = [
        sys.executable,
        "-c",
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); import probe_model; from siamban.cli import main; "
        f"sys.exit(main(['vot', '--config', {str(tmp_path / 'probe.yaml')!r}, '--weights', "
        f"{str(tmp_path / 'probe.pth')!r}, '--device', 'cpu']))",
    ]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    try:
        log: list[str] = []
        client = Client(stream=(process.stdin.fileno(), process.stdout.fileno()), timeout=60, log=log.append)
        assert client.tracker_name == "siamban"
        groundtruth = [
            [float(v) for v in line.split(",")] for line in (tmp_path / "square/groundtruth.txt").read_text().split()
        ]
        images = sorted((tmp_path / "square/color").iterdir())
        first = Polygon.create(list(zip(groundtruth[0][0::2], groundtruth[0][1::2])))
        objects, _ = client.initialize({"color": FileImage.create(str(images[0]))}, [(first, {})], {})
        results = [objects[0][0].bounds()]
        confidences = []
        for path in images[1:]:
            objects, _elapsed = client.frame({"color": FileImage.create(str(path))}, {}, [])
            region, properties = objects[0]
            results.append(region.bounds())
            confidences.append(float(properties["confidence"]))
        client.quit()
    finally:
        process.stdin.close()
        process.wait(timeout=30)
    # Record the results as the VOT toolkit would, and score them.
    result_file = tmp_path / "results" / "square_001.txt"
    result_file.parent.mkdir()
    result_file.write_text("".join(f"{x:.4f},{y:.4f},{w:.4f},{h:.4f}\n" for x, y, w, h in results))
    recorded = np.loadtxt(result_file, delimiter=",")
    assert recorded.shape == (20, 4)
    # the first answer is the polygon's axis-aligned box (1 px larger than the square, centred on it)
    assert recorded[0].tolist() == pytest.approx(polygon_to_xywh(groundtruth[0]).tolist(), abs=1e-3)
    assert iou_xywh(recorded, boxes).mean() > 0.75
    assert min(confidences) > 0.5
    assert process.returncode == 0
