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


def test_box_writer_flushes_each_line(tmp_path):
    writer = BoxWriter(tmp_path / "b.txt")
    writer.write((1, 2.5, 3, 4), 0.5)
    assert (tmp_path / "b.txt").read_text() == "1.000,2.500,3.000,4.000,0.50000\n"  # before close
    writer.close()


def test_viewer_helpers():
    frame = np.zeros((2, 3, 3), np.uint8)
    frame[0, 0] = (1, 2, 3)  # BGR
    ppm = frame_to_ppm(frame)
    assert ppm.startswith(b"P6 3 2 255 ") and ppm[11:14] == bytes([3, 2, 1])  # stored as RGB
    assert normalise_drag((50, 40), (10, 60), 100, 50) == (10.0, 40.0, 40.0, 9.0)
