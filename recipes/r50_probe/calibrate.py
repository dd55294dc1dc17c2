"""A random ResNet-50 backbone with batch-norm statistics calibrated on training crops, saved as a state dict.

Without ImageNet weights the frozen backbone's batch norms would keep their initial statistics (mean 0, variance 1)
while raw 0..255 pixels go in, and activations would grow layer by layer. Running training pairs through it in train
mode with a cumulative average (``momentum=None``) gives every layer unit-scale outputs, as a pretrained network has.

    python recipes/r50_probe/calibrate.py recipes/r50_probe/config.yaml work_data/r50_probe/backbone_calibrated.pth
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch import nn

from siamban.config import load_config
from siamban.data.pairs import build_pair_dataset
from siamban.models import build_model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--pairs", type=int, default=64, help="training pairs (template and search crop each)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    cfg = load_config(args.config)
    torch.manual_seed(args.seed)
    backbone = build_model(cfg).backbone
    for module in backbone.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # cumulative average over every batch seen
    pairs = build_pair_dataset(cfg, seed=args.seed)
    backbone.train()
    with torch.no_grad():
        for start in range(0, args.pairs, 8):
            items = [pairs[i] for i in range(start, min(start + 8, args.pairs))]
            for key in ("template", "search"):
                backbone(torch.stack([item[key] for item in items]).float())
            print(f"calibrated on {min(start + 8, args.pairs)}/{args.pairs} pairs", flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    torch.save(backbone.state_dict(), args.output)
    print(f"-> {args.output}")


if __name__ == "__main__":
    main()
