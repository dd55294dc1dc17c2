import cv2
import numpy as np
import pytest

from siamban.errors import InputError
from siamban.io import BoxWriter, open_frames
from siamban.io.frames import natural_key
from siamban.io.viewer import frame_to_ppm, normalise_drag

BAG = __import__("golden").SHARED / "data" / "bag.avi"


def test_natural_order():
    names = ["img10.jpg", "img2.jpg", "img1.jpg"]
    assert sorted(names, key=natural_key) == ["img1.jpg", "img2.jpg", "img10.jpg"]


@pytest.mark.skipif(not BAG.is_file(), reason="../shared/data/bag.avi is not present")
def test_reads_a_real_video_file():
    source = open_frames(BAG)
    assert source.kind == "video" and source.count == 196 and source.fps == pytest.approx(25.0)
    frames = [f for _, f in zip(range(3), source)]
    assert [f.shape for f in frames] == [(360, 480, 3)] * 3 and frames[0].dtype == np.uint8


def test_otb_layout_folder_uses_its_img_subfolder(tmp_path):
    (tmp_path / "Seq" / "img").mkdir(parents=True)
    for i in (1, 2):
        cv2.imwrite(str(tmp_path / "Seq" / "img" / f"{i:04d}.jpg"), np.zeros((8, 8, 3), np.uint8))
    source = open_frames(tmp_path / "Seq")
    assert source.name == "Seq" and source.count == 2 and len(list(source)) == 2


def test_missing_inputs(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        open_frames(tmp_path / "x.mp4")
    with pytest.raises(InputError, match="no image matches"):
        open_frames(str(tmp_path / "*.png"))


def test_box_writer_flushes_each_line_and_appears_whole_at_close(tmp_path):
    writer = BoxWriter(tmp_path / "b.txt")
    writer.write((1, 2.5, 3, 4), 0.5)
    (tmp,) = tmp_path.glob(".b.txt.*.tmp")  # flushed line by line to a temporary file beside the target
    assert tmp.read_text() == "1.000,2.500,3.000,4.000,0.50000\n" and not (tmp_path / "b.txt").exists()
    writer.close()
    assert (tmp_path / "b.txt").read_text() == "1.000,2.500,3.000,4.000,0.50000\n" and not tmp.exists()


def test_viewer_helpers():
    frame = np.zeros((2, 3, 3), np.uint8)
    frame[0, 0] = (1, 2, 3)  # BGR
    ppm = frame_to_ppm(frame)
    assert ppm.startswith(b"P6 3 2 255 ") and ppm[11:14] == bytes([3, 2, 1])  # stored as RGB
    assert normalise_drag((50, 40), (10, 60), 100, 50) == (10.0, 40.0, 40.0, 9.0)


def test_a_folder_of_frames_of_mixed_sizes_is_refused_naming_the_frame(tmp_path):
    for i, (w, h) in enumerate([(64, 48), (64, 48), (32, 24), (64, 48)], 1):
        cv2.imwrite(str(tmp_path / f"{i:04d}.png"), np.zeros((h, w, 3), np.uint8))
    frames = iter(open_frames(tmp_path))
    assert next(frames).shape == (48, 64, 3) and next(frames).shape == (48, 64, 3)
    with pytest.raises(InputError, match=r"0003\.png: 32x24 pixels, but the sequence's first frame \(0001\.png\) is "
                                         r"64x48: every frame of a sequence must have the same size"):
        next(frames)


def _write_avi(path, count):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    for i in range(count):
        writer.write(np.random.default_rng(i).integers(0, 255, (48, 64, 3), dtype=np.uint8))
    writer.release()


def test_a_truncated_video_warns_with_both_counts(tmp_path):
    from siamban.errors import SiamBANWarning

    whole, cut = tmp_path / "whole.avi", tmp_path / "cut.avi"
    _write_avi(whole, 20)
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])  # the header (at the front) still says 20 frames
    with pytest.warns(SiamBANWarning, match=r"cut\.avi: truncated or corrupt video: its header says 20 frames but "
                                            r"only \d+ could be decoded"):
        decoded = sum(1 for _ in open_frames(cut))
    assert 0 < decoded < 20
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", SiamBANWarning)
        assert sum(1 for _ in open_frames(whole)) == 20  # a whole video: no warning
