"""The torch crop (what a CUDA tracker runs on the GPU) against the OpenCV crop, and the CUDA-graph step on a GPU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from probe_model import moving_square_video, probe_model
import torch.nn.functional as F

from siamban.geometry import crop_window, crop_windows_tensor, iou_xywh
from siamban.inference import optimize_for_inference
from siamban.tracker import SiamBANTracker
from siamban.tracker.sequence import track_frames


@pytest.mark.parametrize(
    "center, out_size, window",
    [((160.0, 120.0), 127, 127), ((30.4, 20.6), 255, 301), ((300.0, 230.0), 255, 180), ((10.0, 200.0), 127, 40)],
)
def test_torch_crop_matches_the_opencv_crop_within_one_grey_level(center, out_size, window):
    frame = np.random.default_rng(0).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    pad = np.array([17.9, 128.2, 250.5])
    reference = crop_window(frame, center, out_size, window, pad).astype(np.int16)
    ours = crop_windows_tensor(torch.from_numpy(frame), np.asarray([center]), out_size, np.asarray([window]), pad[None])
    assert ours.shape == (1, 3, out_size, out_size) and ours.dtype == torch.float32
    diff = np.abs(ours[0].permute(1, 2, 0).numpy().astype(np.int16) - reference)
    assert diff.max() <= 1 and (diff > 0).mean() < 0.15  # OpenCV resizes in fixed point: rounding differs


def _interpolated_crop(frame, center, out_size, window, pad):
    """The crop as padding then ``F.interpolate`` computes it (the definition the gather-based crop follows)."""
    s = window
    xmin, ymin = int(np.floor(center[0] - (s + 1) / 2 + 0.5)), int(np.floor(center[1] - (s + 1) / 2 + 0.5))
    padded = np.empty((s, s, 3), np.uint8)
    padded[...] = pad.astype(np.uint8)
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = max(xmin, 0), max(ymin, 0), min(xmin + s, w), min(ymin + s, h)
    if x1 > x0 and y1 > y0:
        padded[y0 - ymin : y1 - ymin, x0 - xmin : x1 - xmin] = frame[y0:y1, x0:x1]
    tensor = torch.from_numpy(padded).permute(2, 0, 1)[None].float()
    return F.interpolate(tensor, size=(out_size, out_size), mode="bilinear", align_corners=False).round().clamp(0, 255)


def test_one_batched_crop_cuts_every_window_as_interpolate_does():
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    centers = np.array([[160.0, 120.0], [30.4, 20.6], [300.0, 230.0], [-50.0, 400.0], [10.0, 200.0]])
    windows = np.array([255, 301, 180, 90, 40])
    pads = rng.uniform(0, 255, (5, 3))
    batch = crop_windows_tensor(torch.from_numpy(frame), centers, 255, windows, pads)
    assert batch.shape == (5, 3, 255, 255) and batch.dtype == torch.float32
    for i in range(5):
        reference = _interpolated_crop(frame, centers[i], 255, int(windows[i]), pads[i])[0]
        diff = (batch[i] - reference).abs()
        assert diff.max() <= 1 and (diff > 0).float().mean() < 1e-3, i  # float summation order only
    inside = torch.from_numpy(np.ascontiguousarray(frame[:, 32:287])).permute(2, 0, 1).float()
    assert torch.equal(batch[0, :, 8:248], inside)  # no resize: the frame's own pixels, rows beyond it padded
    pad = torch.from_numpy(pads[0].astype(np.uint8)).float()[:, None, None]
    assert (batch[0, :, :8] == pad).all() and (batch[0, :, 248:] == pad).all()
    assert (batch[3] == torch.from_numpy(pads[3].astype(np.uint8)).float()[:, None, None]).all()  # all outside


def test_device_crop_tracks_like_the_opencv_crop():
    frames, truth = moving_square_video(12)
    boxes = []
    for device_crop in (False, True):
        tracker = SiamBANTracker(probe_model(), device="cpu")
        tracker.device_crop = device_crop
        boxes.append(np.array([r.box for _, _, r in track_frames(tracker, frames, truth[0])]))
    assert iou_xywh(boxes[0], boxes[1]).min() > 0.98


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_cuda_graph_tracker_follows_the_eager_one(precision):
    frames, truth = moving_square_video(12)
    eager = SiamBANTracker(probe_model(), device="cuda")
    fast = SiamBANTracker(probe_model(), device="cuda")
    fast.model = optimize_for_inference(fast.model, precision)
    fast.device_crop = True
    a = np.array([r.box for _, _, r in track_frames(eager, frames, truth[0])])
    b = np.array([r.box for _, _, r in track_frames(fast, frames, truth[0])])
    assert type(fast.model).__name__ == "CudaGraphStep"
    assert iou_xywh(a, b).mean() > 0.95


needs_cuda = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


@pytest.mark.parametrize("device, precision", [("cpu", "fp32"), pytest.param("cuda", "fp16", marks=needs_cuda)])
def test_device_crop_batch_tracker_gives_the_single_trackers_boxes(device, precision):
    from siamban import BatchTracker

    frames, truth = moving_square_video(10)
    network = optimize_for_inference(probe_model().to(device), precision)
    batch = BatchTracker(network, device=device, device_crop=True)
    single = SiamBANTracker(network, device=device, device_crop=True)
    for offset in ((0, 0, 0, 0), (3, -2, 0, 0)):
        batch.add(frames[0], truth[0] + offset)
    single.init(frames[0], truth[0])
    for frame in frames[1:]:
        results = batch.track(frame)
        assert results[0].box == pytest.approx(single.track(frame).box, abs=1e-2)
        assert len(results) == 2


@pytest.mark.parametrize("device", [pytest.param("cuda", marks=needs_cuda)])
def test_create_tracker_on_cuda_crops_on_the_gpu_and_replays_a_graph(device):
    from siamban import create_tracker

    tracker = create_tracker(device=device, precision="fp16")
    assert tracker.device_crop and type(tracker.model).__name__ == "CudaGraphStep"
    reference = create_tracker(device="cpu")
    frames, truth = moving_square_video(8)
    a = np.array([r.box for _, _, r in track_frames(tracker, frames, truth[0])])
    b = np.array([r.box for _, _, r in track_frames(reference, frames, truth[0])])
    assert iou_xywh(a, b).mean() > 0.8  # fp16 with the torch crop vs fp32 with the OpenCV crop
