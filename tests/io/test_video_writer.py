"""The annotated video: H.264 in .mp4 (what browsers play) written with PyAV, frame index drawn, written atomically."""

from __future__ import annotations

import av
import numpy as np
import pytest

from siamban.errors import OutputError
from siamban.io import AnnotatedVideoWriter
from siamban.io.writers import count_video_frames


def _decode(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    return codec, frames


def _gray(h=48, w=64):
    return np.full((h, w, 3), 128, np.uint8)


def test_mp4_is_h264_with_every_frame_at_its_size(tmp_path):
    target = tmp_path / "out.mp4"
    with AnnotatedVideoWriter(target, 25, (64, 48)) as video:
        for i in range(6):
            video.write(_gray(), index=i)
    codec, frames = _decode(target)
    assert codec == "h264" and len(frames) == 6 and frames[0].shape == (48, 64, 3)
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]  # no temporary file left


def test_the_frame_index_is_drawn_in_the_corner(tmp_path):
    target = tmp_path / "out.mp4"
    with AnnotatedVideoWriter(target, 25, (160, 120)) as video:
        video.write(_gray(120, 160))  # no index: the frame as given
        video.write(_gray(120, 160), index=7)
        video.write(_gray(120, 160), index=123)
    _, (plain, seven, many) = _decode(target)
    corner = (slice(0, 20), slice(0, 30))
    assert np.abs(plain[corner].astype(int) - 128).max() <= 6  # colour conversion and compression only
    assert (seven[corner] < 40).mean() > 0.3 and (seven[corner] > 200).any()  # black box, white digits
    assert np.abs(seven[corner].astype(int) - many[corner].astype(int)).max() > 100  # "#7" is not "#123"
    far = (slice(80, 120), slice(100, 160))
    assert np.abs(seven[far].astype(int) - 128).max() <= 6  # the rest of the frame is untouched


def test_odd_sizes_are_padded_to_even_and_avi_stays_motion_jpeg(tmp_path):
    with AnnotatedVideoWriter(tmp_path / "odd.mp4", 29.97, (65, 49)) as video:
        for _ in range(3):
            video.write(_gray(49, 65))
    codec, frames = _decode(tmp_path / "odd.mp4")
    assert codec == "h264" and len(frames) == 3 and frames[0].shape == (50, 66, 3)
    with AnnotatedVideoWriter(tmp_path / "out.avi", 10, (65, 49)) as video:
        for _ in range(4):
            video.write(_gray(49, 65))
    codec, frames = _decode(tmp_path / "out.avi")
    assert codec == "mjpeg" and len(frames) == 4 and frames[0].shape == (49, 65, 3)
    assert count_video_frames(tmp_path / "out.avi") == 4


def test_a_failed_write_is_one_output_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.mp4"
    target.write_bytes(b"previous video")
    video = AnnotatedVideoWriter(target, 25, (64, 48))
    video.write(_gray())

    def full_disk(packet):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(video, "_container", _Failing(video._container, full_disk))
    with pytest.raises(OutputError) as caught:
        for _ in range(40):  # the encoder buffers frames; packets reach the muxer after a few
            video.write(_gray())
        video.close()
    assert str(caught.value) == f"{target}: cannot write (no space left on the device); nothing was written"
    assert target.read_bytes() == b"previous video" and sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_unsupported_suffix_and_tiny_frames_are_refused(tmp_path):
    with pytest.raises(OutputError, match=r"out\.gif: unsupported video suffix \(use one of \.mp4"):
        AnnotatedVideoWriter(tmp_path / "out.gif", 25, (64, 48))
    with pytest.raises(OutputError, match="cannot write a 1x48 video"):
        AnnotatedVideoWriter(tmp_path / "out.mp4", 25, (1, 48))
    assert list(tmp_path.iterdir()) == []


class _Failing:
    """A container whose ``mux`` fails (a full disk), delegating the rest."""

    def __init__(self, inner, mux):
        self._inner, self.mux = inner, mux

    def __getattr__(self, name):
        return getattr(self._inner, name)
