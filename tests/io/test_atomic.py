"""The one atomic writer and the one output check: whole files or none, one-line errors, nothing created early."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

import siamban.io.atomic as atomic
from siamban.errors import InputError, OutputError
from siamban.io import AnnotatedVideoWriter, BoxWriter
from siamban.io.archive import check_zip_sizes, read_zip_texts
from siamban.io.atomic import (
    atomic_path,
    atomic_write,
    check_output_dir,
    check_output_file,
    remove_stale_temporaries,
    write_bytes_atomic,
    write_text_atomic,
)

FULL_DISK = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL_DISK.exists(), reason="no /dev/full on this system")


@pytest.fixture
def full_disk(monkeypatch):
    """Temporary files are created where asked, but every byte written to them goes to /dev/full (ENOSPC)."""
    if not FULL_DISK.exists():
        pytest.skip("no /dev/full on this system")

    def open_full(tmp: Path, mode: str):
        tmp.touch()
        return open(FULL_DISK, mode)

    monkeypatch.setattr(atomic, "_open_temporary", open_full)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_atomic_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "sub" / "boxes.txt"
    write_text_atomic(target, "1,2,3,4\n")
    write_bytes_atomic(tmp_path / "g.onnx", b"\x00\x01")
    assert target.read_text() == "1,2,3,4\n" and (tmp_path / "g.onnx").read_bytes() == b"\x00\x01"
    assert _leftovers(tmp_path) == [] and _leftovers(target.parent) == []


def test_an_error_inside_the_block_keeps_the_old_file(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as handle:
            handle.write("new half")
            raise RuntimeError("crash")
    assert target.read_text() == "old\n" and _leftovers(tmp_path) == []


def test_full_disk_is_one_line_and_leaves_the_old_file(tmp_path, full_disk):
    target = tmp_path / "keep.txt"
    target.write_text("old\n")
    with pytest.raises(OutputError) as caught:
        write_text_atomic(target, "x" * 100_000)
    message = str(caught.value)
    assert message == f"{target}: cannot write (no space left on the device); nothing was written"
    assert target.read_text() == "old\n" and _leftovers(tmp_path) == []


@needs_dev_full
def test_box_writer_on_a_full_disk_leaves_no_half_line(tmp_path, monkeypatch):
    target = tmp_path / "boxes.txt"
    target.write_text("10,10,5,5,1.0\n")
    writer = BoxWriter(target)
    writer._file.close()
    writer._file = open(FULL_DISK, "w")  # the disk fills up after the file was opened
    with pytest.raises(OutputError, match="no space left on the device"):
        with writer:
            writer.write((1, 2, 3, 4), 0.5)
    assert target.read_text() == "10,10,5,5,1.0\n" and _leftovers(tmp_path) == []


def test_box_writer_keeps_whole_lines_when_stopped_and_nothing_when_writing_fails(tmp_path):
    target = tmp_path / "boxes.txt"
    with pytest.raises(KeyboardInterrupt):
        with BoxWriter(target) as boxes:
            boxes.write((1, 2, 3, 4), 0.5)
            assert not target.exists()  # nothing at the target until the file is whole
            raise KeyboardInterrupt
    assert target.read_text() == "1.000,2.000,3.000,4.000,0.50000\n"
    with pytest.raises(OSError):
        with BoxWriter(target) as boxes:
            boxes.write((9, 9, 9, 9), 0.1)
            raise OSError(28, "No space left on device")
    assert target.read_text() == "1.000,2.000,3.000,4.000,0.50000\n" and _leftovers(tmp_path) == []
    with pytest.raises(ValueError):
        with BoxWriter(target) as boxes:
            boxes.write((5, 5, 5, 5), 0.2)
            raise ValueError("a bad input frame")
    assert target.read_text() == "5.000,5.000,5.000,5.000,0.20000\n" and _leftovers(tmp_path) == []


def test_video_writer_checks_the_file_before_renaming(tmp_path, monkeypatch):
    target = tmp_path / "out.avi"
    frame = np.zeros((48, 64, 3), np.uint8)
    with AnnotatedVideoWriter(target, 10, (64, 48)) as video:
        for _ in range(5):
            video.write(frame)
    capture = cv2.VideoCapture(str(target))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 5
    capture.release()
    # a writer that fails silently (OpenCV on a full disk): frames reported written, file missing frames
    target.write_bytes(b"previous video")
    video = AnnotatedVideoWriter(target, 10, (64, 48))
    video.write(frame)
    video.frames = 50
    with pytest.raises(OutputError, match=r"holds 1 of 50 frames, is the disk full\?"):
        video.close()
    assert target.read_bytes() == b"previous video" and _leftovers(tmp_path) == []


def test_atomic_path_refuses_an_empty_result(tmp_path):
    with pytest.raises(OutputError, match="produced no data"):
        with atomic_path(tmp_path / "plot.png"):
            pass
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("make", ["file_in_the_way", "file_as_folder"])
def test_output_checks_refuse_a_regular_file_in_the_way(tmp_path, make):
    blocker = tmp_path / "blocker"
    blocker.write_text("I am a file")
    with pytest.raises(OutputError, match=f"{blocker} is a file, not a folder"):
        check_output_file(blocker / "sub" / "boxes.txt", "-o")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_output_dir(blocker if make == "file_as_folder" else blocker / "deeper", "--results-dir")
    assert blocker.read_text() == "I am a file" and not (tmp_path / "sub").exists()


def test_output_file_checks_suffix_and_folders_without_creating_anything(tmp_path):
    with pytest.raises(OutputError, match=r"--video .*x\.gif: unsupported suffix '\.gif' \(use one of \.mp4, \.avi\)"):
        check_output_file(tmp_path / "x.gif", "--video", (".mp4", ".avi"))
    with pytest.raises(OutputError, match="is a folder, expected a file name"):
        check_output_file(tmp_path, "-o")
    assert check_output_file(tmp_path / "a" / "b" / "c.txt") == tmp_path / "a" / "b" / "c.txt"
    assert check_output_dir(tmp_path / "new" / "run") == tmp_path / "new" / "run"
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_of_dead_writers_are_removed(tmp_path):
    dead = tmp_path / ".checkpoint_e2.pth.999999999.tmp"
    dead.write_bytes(b"x" * 100)
    mine = tmp_path / f".checkpoint_e3.pth.{os.getpid()}.tmp"
    mine.write_bytes(b"x")
    live = tmp_path / f".checkpoint_e4.pth.{os.getppid()}.tmp"  # a running process's write in progress
    live.write_bytes(b"x")
    other = tmp_path / ".notes.txt.999999999.tmp"
    other.write_text("not a snapshot")
    keep = tmp_path / "checkpoint_e1.pth"
    keep.write_bytes(b"snapshot")
    removed = remove_stale_temporaries(tmp_path, r"checkpoint_e\d+\.pth")
    assert sorted(p.name for p in removed) == sorted([dead.name, mine.name])
    assert live.exists() and other.exists() and keep.exists()


# ----------------------------------------------------------------------------------------------------------------------
# zip archives (GOT-10k submissions)


def test_zip_bomb_is_refused_from_its_declared_size(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt", "w", force_zip64=True) as member:
            chunk = b"0" * (1 << 20)
            for _ in range(65):  # 65 MB of zeros, about 65 kB compressed
                member.write(chunk)
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(InputError, match=r"member .*_001\.txt is 65 MB uncompressed, over the 64 MB"):
        check_zip_sizes(bomb)
    with pytest.raises(InputError, match="over the 64 MB"):
        read_zip_texts(bomb)


def test_zip_totals_are_bounded_and_small_submissions_read(tmp_path):
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a/a_001.txt", b"1,2,3,4\n" * 4096)
        z.writestr("b/b_001.txt", b"1,2,3,4\n" * 4096)
    with pytest.raises(InputError, match=r"member a/a_001\.txt is 0\.0 MB uncompressed, over the 0\.0 MB"):
        check_zip_sizes(archive, member_limit=1024)
    with pytest.raises(InputError, match=r"0\.1 MB uncompressed in all, over the 0\.0 MB"):
        check_zip_sizes(archive, total_limit=40000)
    assert check_zip_sizes(archive) == 2 * 8 * 4096
    assert read_zip_texts(archive) == {"a/a_001.txt": "1,2,3,4\n" * 4096, "b/b_001.txt": "1,2,3,4\n" * 4096}
    (tmp_path / "junk.zip").write_bytes(b"PK not really")
    with pytest.raises(InputError, match="not a readable zip file"):
        check_zip_sizes(tmp_path / "junk.zip")


def test_onnx_graphs_are_saved_both_or_neither(tmp_path, full_disk):
    from siamban.export.onnx_export import OnnxGraphs

    graphs = OnnxGraphs(b"t" * 1000, b"k" * 100_000, ("k0",), 127, 255, 17)
    (tmp_path / "template.onnx").write_bytes(b"old template")
    with pytest.raises(OutputError, match=r"\.onnx: cannot write \(no space left on the device\)"):
        graphs.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["template.onnx"]
    assert (tmp_path / "template.onnx").read_bytes() == b"old template"
