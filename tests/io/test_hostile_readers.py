"""Issue 20 at the reader layer: finite-only number rows name the file line, a malformed sequence folder says what is
wrong (and is never skipped when listing a root), and ``SameSizeFrames`` is the one mixed-size check."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from siamban.errors import DatasetError, InputError
from siamban.io.annotations import read_annotation, read_rows
from siamban.io.frames import SameSizeFrames, open_frames
from siamban.io.sequences import is_sequence_folder, read_sequence_folder, sequence_folder_problem, sequence_names


def _image(path: Path, w: int, h: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((h, w, 3), 90, np.uint8))
    return path


def _sequence(folder: Path, frames: int = 2) -> Path:
    for i in range(frames):
        _image(folder / "img" / f"{i + 1:04d}.jpg", 40, 30)
    (folder / "groundtruth.txt").write_text("1,1,5,5\n" * frames)
    return folder


def test_finite_rows_name_the_file_line_blank_lines_included(tmp_path):
    path = tmp_path / "rows.txt"
    path.write_text("1,2,3,4\n\n1,inf,3,4\n")
    assert read_rows(path)[1] == [1.0, float("inf"), 3.0, 4.0]  # the default accepts it (ground truth may hold NaN)
    with pytest.raises(InputError) as info:
        read_rows(path, (4,), InputError, "result", finite=True)
    assert str(info.value) == f"{path}:3: non-finite value (nan or inf): '1,inf,3,4'"
    with pytest.raises(DatasetError, match=r"rows\.txt:3: non-finite value"):  # the file line, not the row count
        read_annotation(path, allow_nan=False)
    assert np.isnan(read_annotation(_write(tmp_path / "gt.txt", "1,2,3,4\nnan,nan,nan,nan\n"))[1]).all()


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_sequence_folder_problems_say_what_is_wrong(tmp_path):
    good = _sequence(tmp_path / "good")
    assert sequence_folder_problem(good) == "" and is_sequence_folder(good)
    assert len(read_sequence_folder(good)) == 2
    flat = tmp_path / "flat"  # images beside the ground truth
    _image(flat / "0001.png", 40, 30)
    (flat / "groundtruth.txt").write_text("1,1,5,5\n")
    assert sequence_folder_problem(flat) == ""
    video_dir = _sequence(tmp_path / "video_dir")
    (video_dir / "img" / "0001.jpg").rename(video_dir / "0001.jpg")
    (video_dir / "img" / "0002.jpg").unlink()
    (video_dir / "img").rmdir()
    (video_dir / "video.mp4").mkdir()
    assert sequence_folder_problem(video_dir) == "video.mp4 is not a readable file, so the sequence has no frames"
    with pytest.raises(DatasetError) as info:
        read_sequence_folder(video_dir)
    assert str(info.value) == f"{video_dir}: video.mp4 is not a readable file, so the sequence has no frames"
    (tmp_path / "gt_link").mkdir()
    (tmp_path / "gt_link" / "groundtruth.txt").symlink_to(tmp_path / "missing.txt")
    assert sequence_folder_problem(tmp_path / "gt_link") == (
        "groundtruth.txt is not a readable file (a folder or a broken link?)")


def test_listing_a_root_refuses_a_broken_sequence_and_ignores_unrelated_folders(tmp_path):
    _sequence(tmp_path / "a")
    _sequence(tmp_path / "b")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("hi")
    assert sequence_names(tmp_path) == ["a", "b"]
    (tmp_path / "b" / "groundtruth.txt").unlink()
    (tmp_path / "b" / "groundtruth.txt").mkdir()
    with pytest.raises(DatasetError) as info:
        sequence_names(tmp_path)
    assert str(info.value) == (f"{tmp_path / 'b'}: looks like a sequence folder but groundtruth.txt is not a readable "
                               "file (a folder or a broken link?)")


def test_same_size_frames_is_the_check_track_uses(tmp_path):
    first = _image(tmp_path / "f" / "0001.jpg", 40, 30)
    second = _image(tmp_path / "f" / "0002.jpg", 40, 30)
    odd = _image(tmp_path / "f" / "0003.jpg", 20, 30)
    frames = SameSizeFrames(DatasetError)
    assert frames.read(first).shape == (30, 40, 3) and frames.read(second).shape == (30, 40, 3)
    with pytest.raises(DatasetError) as info:
        frames.read(odd)
    message = (f"{odd}: 20x30 pixels, but the sequence's first frame (0001.jpg) is 40x30: every frame of a sequence "
               "must have the same size")
    assert str(info.value) == message
    with pytest.raises(InputError) as track_info:  # `siamban track`'s frame source: the same check, InputError
        list(open_frames(tmp_path / "f"))
    assert str(track_info.value) == message


def test_a_truncated_jpeg_is_refused_not_decoded_half_grey(tmp_path):
    import cv2
    import numpy as np
    import pytest

    from siamban.errors import InputError
    from siamban.io.frames import read_image

    image = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    data = cv2.imencode(".jpg", image)[1].tobytes()
    whole, cut = tmp_path / "whole.jpg", tmp_path / "cut.jpg"
    whole.write_bytes(data)
    cut.write_bytes(data[: len(data) // 2])
    assert read_image(whole).shape == (64, 64, 3)
    with pytest.raises(InputError, match="cut.jpg: truncated JPEG"):
        read_image(cut)


def test_an_empty_image_file_is_one_clear_error(tmp_path):
    import pytest

    from siamban.errors import InputError
    from siamban.io.frames import read_image

    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(InputError, match="empty.jpg: empty file, not an image"):
        read_image(tmp_path / "empty.jpg")
    (tmp_path / "text.jpg").write_text("not a picture")
    with pytest.raises(InputError, match="text.jpg: not a readable image"):
        read_image(tmp_path / "text.jpg")
