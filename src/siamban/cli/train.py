"""``siamban train --config CFG``: train a model with the official recipe (one process, or every process of torchrun).

Options given here become config values (``--epochs`` is ``TRAIN.EPOCH``, ...); the run folder receives the
resolved ``config.yaml``, the snapshots (``TRAIN.SNAPSHOT_DIR``) and the logs (``TRAIN.LOG_DIR``).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from siamban.config import SiamBANConfig, resolve_config
from siamban.errors import ConfigError
from siamban.io.atomic import check_output_dir


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train a model on prepared datasets (multi-GPU: torchrun --nproc-per-node N -m siamban train ...)",
    )
    p.add_argument("--config", required=True, help="experiment: a bundled name or a config.yaml path")
    p.add_argument("-o", "--output", help="run folder for config, snapshots and logs (default: runs/META_ARC)")
    p.add_argument("--resume", help="snapshot to continue from, or 'auto' for the latest in the run folder")
    p.add_argument("--epochs", type=int, help="TRAIN.EPOCH: number of epochs")
    p.add_argument("--batch-size", type=int, help="TRAIN.BATCH_SIZE: pairs per step and process")
    p.add_argument("--workers", type=int, help="TRAIN.NUM_WORKERS: data-loading processes per training process")
    p.add_argument("--device", help="cpu, cuda or cuda:N (default: cuda when present; torchrun: cuda:LOCAL_RANK)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (logs and epoch lines only)")
    p.set_defaults(func=run)


def apply_overrides(cfg: SiamBANConfig, args: argparse.Namespace) -> SiamBANConfig:
    """The config with the command line's values in place (``None`` leaves a value as configured)."""
    changes = {}
    for option, key in (("epochs", "epoch"), ("batch_size", "batch_size"), ("workers", "num_workers")):
        value = getattr(args, option)
        if value is not None:
            if value < (0 if key == "num_workers" else 1):
                raise ConfigError(f"--{option.replace('_', '-')} {value}: out of range")
            changes[key] = value
    return dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, **changes)) if changes else cfg


def run(args: argparse.Namespace) -> int:
    from siamban.data import build_pair_dataset  # the data side; imported here so this module always imports
    from siamban.training import train

    cfg = apply_overrides(resolve_config(args.config), args)
    run_dir = check_output_dir(args.output or Path("runs") / cfg.meta_arc, "-o")
    dataset = build_pair_dataset(cfg, seed=cfg.train.seed)
    summary = train(cfg, dataset, run_dir, resume=args.resume, device=args.device, progress=not args.no_progress)
    if summary.rank == 0 and summary.epochs:
        last = summary.epochs[-1]
        print(f"trained {len(summary.epochs)} epochs (last loss {last.loss:.4f}) -> {summary.last_checkpoint}")
    return 0
