"""Training speed: pairs per second of a full step (forward, loss, backward, clip, SGD) on the current device.

For each config (bundled name or YAML path; default the R50 model) and each backbone stage (frozen: heads only, as
in epochs 1-10; unfrozen: BACKBONE.TRAIN_LAYERS train, as in epochs 11-20), runs the trainer's own ``train_step`` on
random pairs with valid labels (16 positives and 48 negatives per pair) at the config's batch or ``--batch-size``.
With ``--loading``, also times the config's own data pipeline alone (``build_pair_dataset``: reading crops or
frames, augmentation, labels, collation) through a DataLoader with the config's ``TRAIN.NUM_WORKERS``, and reports
its pairs/s against the step's: loading must outpace the step (the target is 1.5x) or the step waits for data.
Prints a table and writes JSON.

    python benchmarks/train_speed.py                                  # R50, config batch (28), CUDA if present
    python benchmarks/train_speed.py --batch-size 2 --steps 2         # a quick CPU measurement
    OMP_NUM_THREADS=1 python benchmarks/train_speed.py --config recipes/default_model/config.yaml --loading \
        --output benchmarks/results/train_speed_cpu.json             # the default model's recipe, as trained
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path

import torch

from siamban.config import resolve_config
from siamban.data import build_pair_dataset
from siamban.models import build_model, count_parameters
from siamban.training.distributed import DistContext
from siamban.training.optim import build_optimizer, set_backbone_stage
from siamban.training.trainer import seed_everything, train_step
from siamban.machine import device_name


def random_pairs(batch: int, score_size: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Random crops and labels shaped like the data contract: per pair 16 positives, 48 negatives, the rest ignored."""
    points = score_size * score_size
    label_cls = torch.full((batch, points), -1, dtype=torch.int64)
    for i in range(batch):
        order = torch.randperm(points, generator=generator)
        label_cls[i, order[:16]] = 1
        label_cls[i, order[16:64]] = 0
    return {
        "template": torch.rand(batch, 3, 127, 127, generator=generator) * 255,
        "search": torch.rand(batch, 3, 255, 255, generator=generator) * 255,
        "label_cls": label_cls.reshape(batch, score_size, score_size),
        "label_loc": 10 + 90 * torch.rand(batch, 4, score_size, score_size, generator=generator),
    }


def measure(
    config: str, stage: str, batch: int | None, steps: int, warmup: int, device: torch.device, amp: bool
) -> dict:
    """Time ``steps`` training steps of one config in one backbone stage."""
    cfg = resolve_config(config)
    if not amp:
        cfg = dataclasses.replace(cfg, train=dataclasses.replace(cfg.train, amp=False, amp_cpu=False))
    batch = batch or cfg.train.batch_size
    seed_everything(0)
    model = build_model(cfg).to(device)
    epoch = 0 if stage == "frozen" else cfg.backbone.train_epoch
    optimizer, _ = build_optimizer(model, cfg, epoch)
    model.train()
    set_backbone_stage(model, cfg.backbone, epoch)
    pairs = {k: v.to(device) for k, v in random_pairs(batch, cfg.score_size, torch.Generator().manual_seed(0)).items()}
    ctx = DistContext(device=device)
    trainable = sum(p.numel() for g in optimizer.param_groups for p in g["params"])
    for _ in range(warmup):
        train_step(model, pairs, optimizer, cfg.train, ctx)
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(steps):
        _, applied = train_step(model, pairs, optimizer, cfg.train, ctx)  # syncs: it reads the loss on the host
        assert applied, "a benchmark step was skipped (non-finite loss)"
    seconds = (time.perf_counter() - start) / steps
    autocast = cfg.train.amp_cpu if device.type == "cpu" else cfg.train.amp
    return {
        "config": config,
        "stage": stage,
        "precision": "bf16 autocast" if autocast else "fp32",
        "batch": batch,
        "steps": steps,
        "parameters": count_parameters(model),
        "trainable_parameters": trainable,
        "seconds_per_step": seconds,
        "pairs_per_s": batch / seconds,
        "peak_memory_gib": torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None,
    }


def measure_loading(config: str, batches: int, workers: int | None) -> dict:
    """Pairs/s of the config's data pipeline alone: ``batches`` batches through a DataLoader (first one untimed)."""
    cfg = resolve_config(config)
    dataset = build_pair_dataset(cfg)
    dataset.set_epoch(0)
    workers = cfg.train.num_workers if workers is None else workers
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=cfg.train.batch_size, shuffle=False, num_workers=workers, drop_last=True
    )
    iterator = iter(loader)
    next(iterator)  # worker start-up and first batch
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    seconds = time.perf_counter() - start
    del iterator
    return {
        "config": config,
        "stage": "loading",
        "batch": cfg.train.batch_size,
        "batches": batches,
        "workers": workers,
        "seconds_per_batch": seconds / batches,
        "pairs_per_s": batches * cfg.train.batch_size / seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", nargs="+", default=["siamban_r50_l234"], help="bundled names or YAML paths")
    parser.add_argument("--batch-size", type=int, help="pairs per step (default: the config's TRAIN.BATCH_SIZE)")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--device", help="cpu, cuda, cuda:N (default: cuda when present)")
    parser.add_argument("--stages", nargs="+", default=["frozen", "unfrozen"], choices=["frozen", "unfrozen"])
    parser.add_argument("--no-amp", action="store_true",
                        help="fp32 (default: the config's TRAIN.AMP on CUDA, TRAIN.AMP_CPU on the CPU: bf16 autocast)")
    parser.add_argument("--loading", action="store_true", help="also time the config's data loading alone")
    parser.add_argument("--loading-batches", type=int, default=20, help="timed batches for --loading")
    parser.add_argument("--loading-workers", type=int, help="DataLoader workers (default: TRAIN.NUM_WORKERS)")
    parser.add_argument("--output", default="train_speed.json", help="JSON results (default: %(default)s)")
    args = parser.parse_args()

    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # as the trainer
    amp = not args.no_amp
    results = []
    for config in args.config:
        for stage in args.stages:
            result = measure(config, stage, args.batch_size, args.steps, args.warmup, device, amp)
            results.append(result)
            print(
                f"{config:24s} {stage:9s} batch {result['batch']:3d}  {result['seconds_per_step']:8.3f} s/step  "
                f"{result['pairs_per_s']:8.2f} pairs/s  ({result['trainable_parameters'] / 1e6:.1f} M trainable)",
                flush=True,
            )
        if args.loading:
            loading = measure_loading(config, args.loading_batches, args.loading_workers)
            steps = [r for r in results if r["config"] == config]
            slowest_step = min(r["pairs_per_s"] for r in steps) if steps else float("nan")
            fastest_step = max(r["pairs_per_s"] for r in steps) if steps else float("nan")
            loading["ratio_to_fastest_step"] = loading["pairs_per_s"] / fastest_step
            loading["ratio_to_slowest_step"] = loading["pairs_per_s"] / slowest_step
            results.append(loading)
            print(
                f"{config:24s} {'loading':9s} batch {loading['batch']:3d}  {loading['seconds_per_batch']:8.3f} s/batch "
                f"{loading['pairs_per_s']:8.2f} pairs/s  ({loading['workers']} workers; "
                f"{loading['ratio_to_fastest_step']:.2f}x the fastest step)",
                flush=True,
            )
    report = {
        "device": device_name(device),
        "device_type": device.type,
        "threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "unset (libgomp's default)"),
        "torch": torch.__version__,
        "precision": ", ".join(sorted({r["precision"] for r in results if "precision" in r})),
        "results": results,
    }
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    print(f"-> {args.output}")


if __name__ == "__main__":
    main()
