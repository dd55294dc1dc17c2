import re
import cv2
import numpy as np
import pytest

from probe_model import moving_square_video, write_probe_files
from siamban.cli import main
from siamban.geometry import iou_xywh


@pytest.fixture(scope="module")
def probe_files(tmp_path_factory):
    return write_probe_files(tmp_path_factory.mktemp("probe"), 24)


def _model_args(root):
    return ["--config", str(root / "probe.yaml"), "--weights", str(root / "probe.pth"), "--device", "cpu"]


def _init(box):
    return ",".join(str(int(v)) for v in box)


def test_tracks_a_video_file_end_to_end(probe_files, tmp_path, capsys):
    root, boxes = probe_files
    out, annotated = tmp_path / "boxes.txt", tmp_path / "out.avi"
    code = main(
        ["track", str(root / "square.avi"), "--init", _init(boxes[0]), "-o", str(out), "--video", str(annotated)]
        + _model_args(root)
    )
    assert code == 0
    rows = np.loadtxt(out, delimiter=",")
    assert rows.shape == (24, 5)
    assert rows[0].tolist() == [*boxes[0].tolist(), 1.0]
    assert iou_xywh(rows[:, :4], boxes).mean() > 0.7
    capture = cv2.VideoCapture(str(annotated))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 24
    ok, frame = capture.read()
    capture.release()
    assert ok and frame.shape == (240, 320, 3)
    assert re.search(r"^24 frames at [0-9.]+ frames/s -> ", capsys.readouterr().out, re.M)


@pytest.mark.parametrize("spec", ["frames", "frames/*.png"])
def test_tracks_an_image_folder_or_glob(probe_files, tmp_path, spec):
    root, boxes = probe_files
    out = tmp_path / "boxes.txt"
    assert main(["track", str(root / spec), "--init", _init(boxes[0]), "-o", str(out)] + _model_args(root)) == 0
    rows = np.loadtxt(out, delimiter=",")
    assert rows.shape == (24, 5) and iou_xywh(rows[:, :4], boxes).mean() > 0.7


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "error:" in line]  # the progress bar shares stderr
    assert len(lines) == 1 and lines[0].startswith("siamban track: error: ")
    return lines[0]


def test_bad_inputs_give_one_clear_line(probe_files, tmp_path, capsys):
    root, boxes = probe_files
    good = _init(boxes[0])
    model = _model_args(root)
    video = str(root / "square.avi")
    assert "no such file or folder" in _error(capsys, ["track", str(tmp_path / "nope.mp4"), "--init", good] + model)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert "not a readable video" in _error(capsys, ["track", str(empty), "--init", good] + model)
    corrupt = tmp_path / "corrupt.avi"
    corrupt.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    assert "video" in _error(capsys, ["track", str(corrupt), "--init", good] + model)
    (tmp_path / "no_images").mkdir()
    assert "contains no images" in _error(capsys, ["track", str(tmp_path / "no_images"), "--init", good] + model)
    assert "width and height must be positive" in _error(capsys, ["track", video, "--init", "10,10,0,20"] + model)
    assert "outside the 320x240 frame" in _error(capsys, ["track", video, "--init", "500,10,20,20"] + model)
    assert "expected four numbers" in _error(capsys, ["track", video, "--init", "10,10,20"] + model)
    assert "no first box" in _error(capsys, ["track", video] + model)
    # A checkpoint that does not fit the config: the probe weights into the ResNet-50 experiment.
    r50 = ["--config", "siamban_r50_l234", "--weights", str(root / "probe.pth"), "--device", "cpu"]
    misfit = _error(capsys, ["track", video, "--init", good] + r50)
    assert "does not fit the model config" in misfit and "missing" in misfit and "mis-shaped" in misfit
    assert "checkpoint file not found" in _error(
        capsys, ["track", video, "--init", good, "--config", str(root / "probe.yaml"), "--weights", "x.pth"]
    )


def test_unreadable_image_in_a_folder_is_named(probe_files, tmp_path, capsys):
    root, boxes = probe_files
    folder = tmp_path / "seq"
    folder.mkdir()
    frames, _ = moving_square_video(3)
    cv2.imwrite(str(folder / "0001.jpg"), frames[0])
    (folder / "0002.jpg").write_bytes(b"garbage")
    err = _error(capsys, ["track", str(folder), "--init", _init(boxes[0]), "-o", str(tmp_path / "b.txt")]
                 + _model_args(root))
    assert "0002.jpg: not a readable image" in err
    # what was tracked before the bad frame is kept
    assert np.loadtxt(tmp_path / "b.txt", delimiter=",").shape == (5,)


def test_start_frame_with_a_box_for_a_middle_frame(probe_files, tmp_path, capsys):
    root, boxes = probe_files
    out = tmp_path / "boxes.txt"
    argv = ["track", str(root / "square.avi"), "--init", _init(boxes[10]), "--start-frame", "10", "-o", str(out)]
    assert main(argv + _model_args(root)) == 0
    rows = np.loadtxt(out, delimiter=",")
    assert rows.shape == (14, 5) and rows[0, :4].tolist() == boxes[10].tolist()
    assert iou_xywh(rows[:, :4], boxes[10:]).mean() > 0.7
    assert re.search(r"^14 frames at [0-9.]+ frames/s from frame 10 -> ", capsys.readouterr().out, re.M)
    assert "has no frame 99" in _error(capsys, argv[:-4] + ["--start-frame", "99", "-o", str(out)] + _model_args(root))


@pytest.fixture
def headless(monkeypatch):
    """A Linux machine without a display (a server, an SSH session)."""
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def test_headless_hints_name_init_and_video_not_show(probe_files, headless, capsys):
    root, boxes = probe_files
    video, model = str(root / "square.avi"), _model_args(root)
    no_init = _error(capsys, ["track", video] + model)
    assert "give --init x,y,w,h" in no_init and "--show" not in no_init
    show = _error(capsys, ["track", video, "--init", _init(boxes[0]), "--show"] + model)
    assert "--show needs a display" in show and "--video out.mp4" in show


def test_with_a_display_no_init_suggests_drawing_the_box(probe_files, monkeypatch, capsys):
    root, _ = probe_files
    monkeypatch.setenv("DISPLAY", ":0")
    assert "or --show to draw it" in _error(capsys, ["track", str(root / "square.avi")] + _model_args(root))


def test_a_webcam_that_cannot_be_opened_gives_a_hint(probe_files, monkeypatch, capsys):
    class ClosedCapture:
        def __init__(self, *args) -> None:
            pass

        def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
            return False

        def release(self) -> None:
            pass

    monkeypatch.setattr(cv2, "VideoCapture", ClosedCapture)
    root, boxes = probe_files
    message = _error(capsys, ["track", "3", "--init", _init(boxes[0])] + _model_args(root))
    assert "webcam 3: cannot be opened" in message
    assert "check the index" in message and "permission" in message and "no other program holds it" in message
