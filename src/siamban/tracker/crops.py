"""Where a tracker cuts its crops: ``HostCrops`` (OpenCV on the host, the reference crop of the official code) or
``DeviceCrops`` (torch ops on the network's device: a frame is uploaded once and any number of windows are cut from
it by one gather, so only the frame goes in and the small maps come out).

Both take the frame as ``prepare`` made it, cut N windows in one call (``cut``) and stack crops of one size into the
network input (``stack``). A crop is HxWx3 uint8 pixels on the host, or a (1, 3, H, W) float32 tensor on the device.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from siamban.geometry import crop_window, crop_windows_tensor

Pixels = np.ndarray | torch.Tensor


def image_to_tensor(patch: np.ndarray, device: torch.device) -> torch.Tensor:
    """HxWx3 uint8 crop (or an NxHxWx3 stack) -> (1 or N, 3, H, W) contiguous float32 tensor of raw pixel values.

    Contiguous NCHW like the official code: another memory layout changes the convolutions' summation order.
    """
    pixels = torch.from_numpy(patch).to(device)
    pixels = pixels.unsqueeze(0) if pixels.dim() == 3 else pixels
    return pixels.permute(0, 3, 1, 2).float().contiguous()


class HostCrops:
    """OpenCV crops on the host, one window at a time (the official crop)."""

    on_device = False

    def __init__(self, device: torch.device) -> None:
        self.device = device  # where the stacked network input goes

    def prepare(self, image: np.ndarray) -> np.ndarray:
        return image

    def cut(
        self, frame: Pixels, centers: np.ndarray, out_size: int, window_sizes: Sequence[int], pad_colors: np.ndarray
    ) -> list[Pixels]:
        assert isinstance(frame, np.ndarray)
        return [crop_window(frame, c, out_size, int(s), p) for c, s, p in zip(centers, window_sizes, pad_colors)]

    def stack(self, crops: Sequence[Pixels]) -> torch.Tensor:
        """The network input (N, 3, H, W): the uint8 crops stacked, uploaded and converted once."""
        host = [c for c in crops if isinstance(c, np.ndarray)]
        return image_to_tensor(host[0] if len(host) == 1 else np.stack(host), self.device)


class DeviceCrops(HostCrops):
    """Torch crops on ``device``: the frame uploaded once, all windows of one size cut by one gather."""

    on_device = True

    def prepare(self, image: np.ndarray) -> torch.Tensor:  # type: ignore[override]
        return torch.from_numpy(image).to(self.device, non_blocking=True)

    def cut(
        self, frame: Pixels, centers: np.ndarray, out_size: int, window_sizes: Sequence[int], pad_colors: np.ndarray
    ) -> list[Pixels]:
        assert isinstance(frame, torch.Tensor)
        batch = crop_windows_tensor(frame, centers, out_size, np.asarray(window_sizes), pad_colors)
        return [batch[i : i + 1] for i in range(len(batch))]

    def stack(self, crops: Sequence[Pixels]) -> torch.Tensor:
        """The network input: the batch ``cut`` made when ``crops`` are all of its rows in order (no copy, the usual
        case of a ``BatchTracker`` on one frame), else the rows concatenated."""
        rows = [c for c in crops if isinstance(c, torch.Tensor)]
        base = rows[0]._base
        if (len(rows) > 1 and isinstance(base, torch.Tensor) and len(base) == len(rows)
                and all(r._base is base and r.data_ptr() == base[i].data_ptr() for i, r in enumerate(rows))):
            return base
        return torch.cat(rows) if len(rows) > 1 else rows[0]


def crop_backend(device: torch.device, on_device: bool) -> HostCrops:
    """``DeviceCrops`` on ``device`` when ``on_device``, else ``HostCrops`` (their input still goes to ``device``)."""
    return DeviceCrops(device) if on_device else HostCrops(device)
