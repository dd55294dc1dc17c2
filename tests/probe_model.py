"""A SiamBAN with hand-set weights that follows a bright square on a dark background.

Backbone: one 15x15 stride-8 convolution giving two channels, b - 1/2 and 1/2 - b, with b in [0, 1] the mean
brightness of the 7x7 pixels at the cell's centre (a 127 template gives 15x15 maps and a 255 search 31x31, centred
like the real model). Neck and head convolutions are identities; the heads' ReLU keeps relu(b - 1/2) ("bright") and
relu(1/2 - b) ("dark"), so the depth-wise correlation counts bright-on-bright and dark-on-dark agreement: a
template-matching score that peaks where the search looks like the template. Classification: fg logit =
SHARPNESS * (match - MATCH_OFFSET), bg logit = 0 (MATCH_OFFSET sits a little below the best match of a 40 px
square). Regression: a constant half-size, so boxes keep the template's size.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch
from torch import nn

from siamban.config import BackboneConfig, HeadConfig, NeckConfig, SiamBANConfig
from siamban.models import SiamBAN, build_model
from siamban.models.backbones import register_backbone

SHARPNESS = 4.0
MATCH_OFFSET = 4.0


class BrightnessBackbone(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 2, kernel_size=15, stride=8)
        self.out_channels = [2]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [self.conv(x)]


register_backbone("brightness_probe")(BrightnessBackbone)

PROBE_CONFIG = SiamBANConfig(
    meta_arc="brightness_probe",
    backbone=BackboneConfig(type="brightness_probe", kwargs={}),
    neck=NeckConfig(in_channels=(2,), out_channels=(2,)),
    head=HeadConfig(in_channels=(2,), hidden_channels=2),
)


def _identity_bn(bn: nn.BatchNorm2d) -> None:
    nn.init.ones_(bn.weight)
    nn.init.zeros_(bn.bias)
    bn.running_mean.zero_()
    bn.running_var.fill_(1.0 - bn.eps)  # so that (x - 0) / sqrt(var + eps) == x exactly


def _identity_conv(conv: nn.Conv2d) -> None:
    nn.init.zeros_(conv.weight)
    k = conv.kernel_size[0] // 2
    for c in range(conv.out_channels):
        conv.weight.data[c, c, k, k] = 1.0


def probe_model(target_size_crop: float = 63.5, config: SiamBANConfig = PROBE_CONFIG) -> SiamBAN:
    """The hand-set model; ``target_size_crop`` is the side (in search-crop pixels) its boxes report."""
    model = build_model(config).eval()
    with torch.no_grad():
        conv = model.backbone.conv
        conv.weight.zero_()
        conv.weight[:, :, 4:11, 4:11] = 1.0 / (255.0 * 7 * 7 * 3)  # mean of the 7x7 pixels at the cell's centre
        conv.weight[1].mul_(-1.0)
        conv.bias.copy_(torch.tensor([-0.5, 0.5]))
        adjust = model.neck.downsample2.downsample
        _identity_conv(adjust[0])
        _identity_bn(adjust[1])
        for branch in (model.head.box2.cls, model.head.box2.loc):
            for seq in (branch.conv_kernel, branch.conv_search):
                _identity_conv(seq[0])
                _identity_bn(seq[1])
            _identity_conv(branch.head[0])
            _identity_bn(branch.head[1])
        cls_out = model.head.box2.cls.head[3]
        cls_out.weight.zero_()
        cls_out.weight[1, :, 0, 0] = SHARPNESS
        cls_out.bias.copy_(torch.tensor([0.0, -MATCH_OFFSET * SHARPNESS]))
        loc_out = model.head.box2.loc.head[3]
        loc_out.weight.zero_()
        loc_out.bias.fill_(math.log(target_size_crop / 2))
    return model


def moving_square_video(
    frames: int = 30, size: tuple[int, int] = (240, 320), side: int = 48, step: tuple[int, int] = (4, 2)
) -> tuple[list[np.ndarray], np.ndarray]:
    """A black-and-white blocky square moving over a mid-grey background; returns frames (BGR) and xywh boxes.

    The texture (16x16-pixel blocks, each black or white at random) makes the match peak at one alignment instead
    of a plateau; the grey background (and the mean-colour padding) matches nothing.
    """
    rng = np.random.default_rng(0)
    height, width = size
    background = textured_background(size, rng)
    texture = block_texture(side, rng)
    boxes, images = [], []
    x, y = 60, 80
    dx, dy = step
    for _ in range(frames):
        image = background.copy()
        image[y : y + side, x : x + side] = texture
        images.append(image)
        boxes.append((x, y, side, side))
        if not 0 <= x + dx <= width - side:
            dx = -dx
        if not 0 <= y + dy <= height - side:
            dy = -dy
        x, y = x + dx, y + dy
    return images, np.asarray(boxes, dtype=np.float64)


def textured_background(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    return rng.integers(110, 147, size=(*size, 3), dtype=np.uint8)


def block_texture(side: int, rng: np.random.Generator) -> np.ndarray:
    blocks = np.where(rng.random((-(-side // 16), -(-side // 16))) < 0.5, 0, 255).astype(np.uint8)
    return np.repeat(np.repeat(blocks, 16, axis=0), 16, axis=1)[:side, :side, None].repeat(3, axis=2)


def with_probe(config: SiamBANConfig, **track: float) -> SiamBANConfig:
    return dataclasses.replace(config, track=dataclasses.replace(config.track, **track))


def write_probe_files(root, frames: int = 24):
    """The probe model (``probe.yaml`` + ``probe.pth``) and a moving-square video in ``root``, both as
    ``square.avi`` and as ``frames/1.png ...`` (natural order, not 1, 10, 11, ...); returns (root, true boxes)."""
    import cv2

    from siamban.config import save_config

    save_config(PROBE_CONFIG, root / "probe.yaml")
    torch.save({"model": probe_model().state_dict(), "epoch": 1}, root / "probe.pth")
    images, boxes = moving_square_video(frames)
    video = cv2.VideoWriter(str(root / "square.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (320, 240))
    folder = root / "frames"
    folder.mkdir()
    for i, image in enumerate(images):
        video.write(image)
        cv2.imwrite(str(folder / f"{i + 1}.png"), image)
    video.release()
    return root, boxes


def write_probe_otb(root, frames: int = 4):
    """``write_probe_files`` plus the same moving square as a one-sequence OTB100 layout (``OTB100/Square``, 1-based
    ``groundtruth_rect.txt``); returns the root."""
    import cv2

    root, _ = write_probe_files(root, frames)
    images, boxes = moving_square_video(frames)
    folder = root / "OTB100" / "Square" / "img"
    folder.mkdir(parents=True)
    for i, frame in enumerate(images):
        cv2.imwrite(str(folder / f"{i + 1:04d}.jpg"), frame)
    (folder.parent / "groundtruth_rect.txt").write_text(
        "\n".join(",".join(str(int(v) + (1 if k < 2 else 0)) for k, v in enumerate(b)) for b in boxes) + "\n")
    return root
