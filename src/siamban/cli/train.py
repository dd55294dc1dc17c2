"""``siamban train --config CFG``: train a model with the official recipe (one process, or every process of torchrun).

Options given here become config values (``--epochs`` is ``TRAIN.EPOCH``, ``--set KEY=VALUE`` any key); the run
folder (``-o``, else a new ``runs/train/exp``, ``exp2``, ...) receives the resolved ``config.yaml``, the snapshots
(``TRAIN.SNAPSHOT_DIR``) and the logs (``TRAIN.LOG_DIR``); a new numbered one also ``args.yaml``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

from siamban.cli.common import (
    add_config_option,
    add_device_option,
    add_output_option,
    add_quiet_option,
    add_run_name_option,
    add_set_option,
    add_workers_option,
    claim_run_dir,
    latest_run_dir,
    next_run_dir,
    save_run_record,
)
from siamban.config import SiamBANConfig, resolve_config
from siamban.errors import ConfigError, InputError
from siamban.io.atomic import check_output_dir


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train a model on prepared datasets (multi-GPU: torchrun --nproc-per-node N -m siamban train ...)",
    )
    add_config_option(p, required=True)
    add_output_option(p, "run folder for config, snapshots and logs (default: a new run folder runs/train/exp, exp2, "
                      "..., see --name)")
    add_run_name_option(p, "train")
    p.add_argument("--resume", help="snapshot to continue from, or 'auto' for the latest in the run folder (without "
                   "-o: the latest runs/train/NAME* folder)")
    add_set_option(p)
    p.add_argument("--epochs", type=int, help="TRAIN.EPOCH: number of epochs")
    p.add_argument("--batch-size", type=int, help="TRAIN.BATCH_SIZE: pairs per step and process")
    add_workers_option(p, " loading data, per training process (TRAIN.NUM_WORKERS; default: the config's)")
    add_device_option(p, " (default: cuda when present; torchrun: cuda:LOCAL_RANK)")
    p.add_argument("--val-root", type=Path, help="after each epoch, track this folder of sequences (the `folders` "
                   "layout, e.g. ../shared/data/sequences) and log val/auc and val/precision")
    p.add_argument("--val-role", default="val", help="with --val-root: the index.json role to track (default: val; "
                   "'' for every sequence)")
    add_quiet_option(p, "--no-progress")
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


def default_run_dir(args: argparse.Namespace) -> Path:
    """The run folder without ``-o``: with ``--resume auto`` the latest ``runs/train/NAME*`` (a new one when there
    is none), else the next new one. Under torchrun every process must name the same folder: ``-o`` is required."""
    if os.environ.get("WORLD_SIZE", "1").strip() not in ("", "0", "1"):
        raise InputError("under torchrun give the run folder with -o (every process must write into the same one)")
    latest = latest_run_dir("train", args.name) if args.resume == "auto" else None
    return latest if latest is not None else next_run_dir("train", args.name)


def run(args: argparse.Namespace) -> int:
    from siamban.data import build_pair_dataset  # the data side; imported here so this module always imports
    from siamban.training import build_lr_schedule, train
    from siamban.training.trainer import check_train_config

    cfg = apply_overrides(resolve_config(args.config, args.overrides), args)
    check_train_config(cfg)  # the config's mistakes before any folder is taken or data read
    build_lr_schedule(cfg.train)
    run_dir = check_output_dir(args.output, "-o") if args.output is not None else default_run_dir(args)
    validate = None
    if args.val_root is not None:
        from siamban.evaluation import load_benchmark
        from siamban.evaluation.validation import benchmark_validator

        roles = [args.val_role] if args.val_role else None
        validate = benchmark_validator(load_benchmark("folders", args.val_root, roles=roles), cfg)
    dataset = build_pair_dataset(cfg, seed=cfg.train.seed)
    if args.output is None and not run_dir.exists():  # taken once the data is found
        run_dir = claim_run_dir("train", args.name)
        save_run_record(run_dir, args)
    summary = train(cfg, dataset, run_dir, resume=args.resume, device=args.device, progress=not args.quiet,
                    validate=validate)
    if summary.rank == 0 and summary.epochs:
        last = summary.epochs[-1]
        print(f"trained {len(summary.epochs)} epochs (last loss {last.loss:.4f}) -> {summary.last_checkpoint}")
    return 0
