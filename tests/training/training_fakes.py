"""A tiny backbone and a fabricated pair dataset for fast, deterministic training tests.

The backbone keeps the real model's geometry (stride 8; a 127 template gives a 15x15 map, a 255 search 31x31, so
the heads output 25x25) with a few thousand parameters and module names unlike ResNet's (``stem``, ``block1``,
``block2``), so backbone staging is exercised by name. The dataset draws a bright square on a dark background:
centred in the template, at a seeded offset in the search crop, with hand-made ellipse labels on the 25x25 grid.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from siamban.config import (
    BackboneConfig,
    HeadConfig,
    NeckConfig,
    ScheduleConfig,
    SiamBANConfig,
    TrainConfig,
)
from siamban.models.backbones import register_backbone

GRID = 31 + 8 * np.arange(25)  # x (and y) of the 25 grid points in the 255 search crop: 255 // 2 - 12 * 8 + 8k


def _conv_bn_relu(cin: int, cout: int, kernel: int, stride: int = 1, padding: int = 0) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU()
    )


class TinyBackbone(nn.Module):
    """127 -> 15x15, 255 -> 31x31 feature maps of ``width`` channels (one level): an 8x8 stride-8 patch stem and
    two 3x3 blocks."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.stem = _conv_bn_relu(3, width, 8, stride=8)
        self.block1 = _conv_bn_relu(width, width, 3, padding=1)
        self.block2 = _conv_bn_relu(width, width, 3, padding=1)
        self.out_channels = [width]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [self.block2(self.block1(self.stem(x / 255.0)))]


register_backbone("tiny_test")(TinyBackbone)


def tiny_config(epochs: int = 3, batch_size: int = 4, train_epoch: int = 1, **train_changes) -> SiamBANConfig:
    """The tiny model with the official recipe's structure: warm-up (1 epoch) then log decay, staged backbone."""
    width = 8
    train = TrainConfig(
        epoch=epochs,
        batch_size=batch_size,
        num_workers=0,
        print_freq=2,
        base_lr=0.02,
        lr=ScheduleConfig(type="log", kwargs={"start_lr": 0.02, "end_lr": 0.005}),
        lr_warmup=ScheduleConfig(type="step", epoch=1, kwargs={"start_lr": 0.01, "end_lr": 0.02, "step": 1}),
        amp=False,
        grad_reduce="mean",
        seed=7,
    )
    train = dataclasses.replace(train, **train_changes)
    return SiamBANConfig(
        meta_arc="tiny_test",
        cuda=False,
        backbone=BackboneConfig(
            type="tiny_test",
            kwargs={"width": width},
            pretrained="",
            train_layers=("block2",),
            train_epoch=train_epoch,
            layers_lr=0.1,
        ),
        neck=NeckConfig(in_channels=(width,), out_channels=(width,)),
        head=HeadConfig(in_channels=(width,)),
        train=train,
    )


def ellipse_labels(box_xyxy: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Hand-made labels: positive inside the ellipse of semi-axes (w/4, h/4), negative outside (w/2, h/2);
    at most 16 positives and 48 negatives kept at random; targets (l, t, r, b) at every point."""
    x1, y1, x2, y2 = box_xyxy
    cx, cy, w, h = (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1
    px, py = np.meshgrid(GRID, GRID)  # px varies along the width (columns)
    inner = ((px - cx) / (w / 4)) ** 2 + ((py - cy) / (h / 4)) ** 2 <= 1
    outer = ((px - cx) / (w / 2)) ** 2 + ((py - cy) / (h / 2)) ** 2 > 1
    label = np.full((25, 25), -1, dtype=np.int64)
    for mask, value, limit in ((inner, 1, 16), (outer, 0, 48)):
        idx = np.flatnonzero(mask)
        label.flat[rng.permutation(idx)[:limit]] = value
    loc = np.stack([px - x1, py - y1, x2 - px, y2 - py]).astype(np.float32)
    return label, loc


class SquarePairs(torch.utils.data.Dataset):
    """``size`` pairs per epoch; item i of epoch e depends only on (seed, e, i) (the data contract)."""

    def __init__(self, size: int = 32, seed: int = 0) -> None:
        self.size = size
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> dict:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        side = rng.uniform(48, 96, size=2)  # w, h in the search crop
        centre = 127 + rng.uniform(-40, 40, size=2)
        box = np.concatenate([centre - side / 2, centre + side / 2])
        template = _square_image(127, np.array([63.5, 63.5]), side, rng)
        search = _square_image(255, centre, side, rng)
        label_cls, label_loc = ellipse_labels(box, rng)
        return {
            "template": torch.from_numpy(template),
            "search": torch.from_numpy(search),
            "label_cls": torch.from_numpy(label_cls),
            "label_loc": torch.from_numpy(label_loc),
            "search_box": torch.from_numpy(box.astype(np.float32)),
            "negative": False,
        }


def _square_image(size: int, centre: np.ndarray, side: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    image = rng.normal(60, 10, size=(3, size, size)).astype(np.float32)
    x1, y1 = np.round(centre - side / 2).astype(int)
    x2, y2 = np.round(centre + side / 2).astype(int)
    image[:, max(y1, 0) : y2, max(x1, 0) : x2] = np.array([200.0, 180.0, 160.0], dtype=np.float32)[:, None, None]
    return image


class Killed(Exception):
    """Raised by ``KillDuring`` to simulate a crash in the middle of an epoch."""


class KillDuring(torch.utils.data.Dataset):
    """Wraps a dataset and raises ``Killed`` at the ``after``-th item read in epoch ``epoch``."""

    def __init__(self, inner: SquarePairs, epoch: int, after: int = 5) -> None:
        self.inner = inner
        self.kill_epoch = epoch
        self.after = after
        self.reads = 0

    def set_epoch(self, epoch: int) -> None:
        self.inner.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.inner)

    def __getitem__(self, index: int) -> dict:
        if self.inner.epoch == self.kill_epoch:
            self.reads += 1
            if self.reads > self.after:
                raise Killed(f"killed in epoch {self.kill_epoch}")
        return self.inner[index]
