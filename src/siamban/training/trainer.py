"""The training loop: ``train(cfg, dataset, run_dir)`` runs the official recipe from the first epoch or a snapshot.

Read it top to bottom: ``train`` sets up (process group, seeds, model and its pretrained weights, resume, data),
then runs every epoch (stage the backbone, set the rates, ``train_one_epoch``, write the snapshot);
``train_one_epoch`` runs the steps and logs; ``train_step`` is one forward, loss, backward and SGD step.

The dataset is any ``torch.utils.data.Dataset`` of pair dicts with the fields of ``PairBatch`` (one pair each);
if it has ``set_epoch(epoch)`` it is called before each epoch. ``TRAIN.BATCH_SIZE`` is per process, as in the
official code: N processes step on N x BATCH_SIZE pairs.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import torch
from torch import nn
from torch.nn.utils import clip_grad_norm_
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from siamban.config import SiamBANConfig, TrainConfig, config_to_dict, save_config
from siamban.errors import ConfigError
from siamban.models import SiamBAN, build_model
from siamban.progress import progress_bar
from siamban.training.snapshots import (
    capture_rng_state,
    checkpoint_path,
    load_checkpoint,
    load_pretrained_backbone,
    load_pretrained_model,
    remove_stale_snapshots,
    resolve_resume,
    restore_optimizer,
    restore_rng_state,
    restore_snapshot,
    save_checkpoint,
)
from siamban.training.distributed import (
    DistContext,
    ShardedEpochSampler,
    init_distributed,
    sync_buffers,
    wrap_model,
)
from siamban.training.losses import siamban_loss
from siamban.training.optim import build_optimizer, same_stage, set_backbone_stage
from siamban.training.scalars import ScalarWriter

#: Losses above this (or NaN/inf) skip the step, as the official ``is_valid_number``.
MAX_VALID_LOSS = 1e4
GRAD_REDUCE_MODES = ("sum", "mean")
#: Order of the values ``train_step`` reports.
STEP_VALUES = ("loss", "cls_loss", "loc_loss", "positives_per_pair")


@dataclass
class EpochStats:
    """What one epoch did, averaged over its applied steps (and over processes)."""

    epoch: int
    steps: int
    skipped: int
    loss: float
    cls_loss: float
    loc_loss: float
    positives_per_pair: float
    pairs_per_s: float
    lrs: dict[str, float] = field(default_factory=dict)


@dataclass
class TrainSummary:
    model: SiamBAN  # the bare model (no DDP wrapper), on the training device
    epochs: list[EpochStats]
    run_dir: Path
    last_checkpoint: Path | None
    rank: int = 0  # this process's rank (0 when single)


def run_paths(cfg: SiamBANConfig, run_dir: str | Path) -> tuple[Path, Path]:
    """Snapshot and log folders: ``TRAIN.SNAPSHOT_DIR`` and ``TRAIN.LOG_DIR``, relative ones inside ``run_dir``."""
    run_dir = Path(run_dir)
    return run_dir / cfg.train.snapshot_dir, run_dir / cfg.train.log_dir


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def check_train_config(cfg: SiamBANConfig) -> None:
    """Reject values the loop cannot run with, naming the config key."""
    train = cfg.train
    if train.grad_reduce not in GRAD_REDUCE_MODES:
        raise ConfigError(f"TRAIN.GRAD_REDUCE {train.grad_reduce!r}: expected one of {', '.join(GRAD_REDUCE_MODES)}")
    for key, value in (("BATCH_SIZE", train.batch_size), ("EPOCH", train.epoch), ("PRINT_FREQ", train.print_freq)):
        if value < 1:
            raise ConfigError(f"TRAIN.{key} {value}: must be at least 1")
    if train.num_workers < 0:
        raise ConfigError(f"TRAIN.NUM_WORKERS {train.num_workers}: must be >= 0")
    if not 0 <= train.start_epoch < train.epoch:
        raise ConfigError(f"TRAIN.START_EPOCH {train.start_epoch}: must lie in 0..TRAIN.EPOCH - 1 ({train.epoch - 1})")


@dataclass
class PairBatch:
    """One step's training pairs, as the loader collates the dataset's pair dicts (B per process)."""

    template: torch.Tensor  # (B, 3, 127, 127) float32 BGR 0..255
    search: torch.Tensor  # (B, 3, 255, 255) float32 BGR 0..255
    label_cls: torch.Tensor  # (B, 25, 25) int64 in {-1 (ignored), 0 (background), 1 (target)}
    label_loc: torch.Tensor  # (B, 4, 25, 25) float32 distances (l, t, r, b) from each point to the box sides

    @classmethod
    def of(cls, batch: "PairBatch | Mapping[str, torch.Tensor]") -> "PairBatch":
        """``batch`` as a PairBatch (a collated dict of the four keys, or one already)."""
        if isinstance(batch, PairBatch):
            return batch
        return cls(batch["template"], batch["search"], batch["label_cls"], batch["label_loc"])

    def to(self, device: torch.device) -> "PairBatch":
        return PairBatch(*(t.to(device, non_blocking=True) for t in (self.template, self.search, self.label_cls,
                                                                      self.label_loc)))


#: An optional pass after each epoch: the bare model (eval mode) in, named figures (e.g. a val AUC) out.
Validator = Callable[[SiamBAN], Mapping[str, float]]


def train(
    cfg: SiamBANConfig,
    dataset: Dataset,
    run_dir: str | Path,
    *,
    resume: str | Path | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
    validate: Validator | None = None,
) -> TrainSummary:
    """Train a SiamBAN model on ``dataset`` per ``cfg``; snapshots and logs go under ``run_dir``.

    ``resume``: a snapshot path, or ``auto`` for the latest in the snapshot folder (a fresh start when there is
    none); defaults to ``TRAIN.RESUME``. ``validate``: run after every epoch on the main process, before its
    snapshot; its figures are printed and logged as ``val/<name>``. Under ``torchrun`` every process calls this with
    the same arguments.
    """
    check_train_config(cfg)
    run_dir = Path(run_dir)
    snapshot_dir, log_dir = run_paths(cfg, run_dir)
    ctx = init_distributed(device, use_cuda=cfg.cuda)
    say = _printer(ctx)
    writer = None
    try:
        if ctx.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # fixed input sizes; see docs/training.md on determinism
        model = _build_model(cfg, ctx, say)
        resumed = _resume(cfg, resume, snapshot_dir, model, ctx, say)
        sampler, loader = _loader(dataset, cfg, ctx)
        if ctx.is_main:
            writer = _open_run_dir(cfg, run_dir, snapshot_dir, log_dir, len(loader), resumed, say)
        if resumed.snapshot is not None:
            # last, so the set-up above draws nothing from the restored state
            restore_rng_state(resumed.snapshot["rng"], str(resumed.file))
        history, last_file = _run_epochs(model, dataset, sampler, loader, resumed, cfg, ctx, writer, snapshot_dir,
                                         say, progress, validate)
        if not history:
            say(f"nothing to train: all {cfg.train.epoch} epochs are done")
        return TrainSummary(model, history, run_dir, last_file, ctx.rank)
    finally:
        if writer is not None:
            writer.close()
        ctx.close()


def _build_model(cfg: SiamBANConfig, ctx: DistContext, say: Callable[[str], None]) -> SiamBAN:
    """The model: seeded random init, then the pretrained weights, on the training device."""
    seed_everything(cfg.train.seed)
    model = build_model(cfg)
    if cfg.backbone.pretrained:
        say(load_pretrained_backbone(model.backbone, cfg.backbone.pretrained))
    else:
        say("BACKBONE.PRETRAINED is empty: the backbone starts from random weights")
    if cfg.train.pretrained:
        say(load_pretrained_model(model, cfg.train.pretrained))
    return model.to(ctx.device)


@dataclass
class _Resumed:
    """Where training starts: the first epoch to run, its optimiser, and the snapshot it continues (if any)."""

    start_epoch: int
    optimizer: torch.optim.Optimizer
    scheduler: Any
    requested: bool  # a resume was asked for (its log is cut back to the snapshot's step)
    file: Path | None = None
    snapshot: Mapping[str, Any] | None = None


def _resume(
    cfg: SiamBANConfig, resume: str | Path | None, snapshot_dir: Path, model: SiamBAN, ctx: DistContext,
    say: Callable[[str], None],
) -> _Resumed:
    """Weights and next epoch from the snapshot; optimiser state only when the stage is the same (at
    BACKBONE.TRAIN_EPOCH a straight run rebuilds the optimiser too)."""
    start_epoch = cfg.train.start_epoch
    resume = resume or cfg.train.resume or None
    snapshot_file = resolve_resume(resume, snapshot_dir) if resume else None
    snapshot = load_checkpoint(snapshot_file) if snapshot_file else None
    if resume is not None and snapshot is None:
        say(f"resume auto: no snapshot in {snapshot_dir}, starting from epoch {start_epoch + 1}")
    if snapshot is not None:
        restore_snapshot(model, snapshot, str(snapshot_file))
        start_epoch = int(snapshot["epoch"])
        _warn_if_different(snapshot, cfg, ctx, say)
        say(f"resumed from {snapshot_file}: {start_epoch} of {cfg.train.epoch} epochs done")
    optimizer, scheduler = build_optimizer(model, cfg, min(start_epoch, cfg.train.epoch - 1))
    if snapshot is not None and same_stage(cfg.backbone, start_epoch - 1, start_epoch):
        restore_optimizer(optimizer, scheduler, snapshot, str(snapshot_file))
    return _Resumed(start_epoch, optimizer, scheduler, resume is not None, snapshot_file, snapshot)


def _loader(dataset: Dataset, cfg: SiamBANConfig, ctx: DistContext) -> tuple[ShardedEpochSampler, DataLoader]:
    """This process's share of each epoch, in an order fixed by (seed, epoch)."""
    if not isinstance(dataset, Sized):  # torch's Dataset does not promise a length; the sampler needs one
        raise TypeError(f"train(): the dataset ({type(dataset).__name__}) has no len()")
    sampler = ShardedEpochSampler(len(dataset), cfg.train.batch_size, ctx.rank, ctx.world_size, seed=cfg.train.seed)
    loader = DataLoader(
        dataset,
        batch_size=cfg.train.batch_size,
        sampler=sampler,
        num_workers=cfg.train.num_workers,
        pin_memory=ctx.device.type == "cuda",
        drop_last=True,
    )
    return sampler, loader


def _open_run_dir(
    cfg: SiamBANConfig, run_dir: Path, snapshot_dir: Path, log_dir: Path, steps_per_epoch: int, resumed: _Resumed,
    say: Callable[[str], None],
) -> ScalarWriter:
    """The run folder (main process): stale snapshot pieces removed, the resolved config saved, the log opened."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for stale in remove_stale_snapshots(snapshot_dir):  # left by a snapshot write that was killed
        say(f"removed {stale}, the temporary file of an interrupted snapshot write")
    save_config(cfg, run_dir / "config.yaml", header="resolved configuration of this training run")
    # a resumed run logs from the snapshot's step on: cut what the interrupted run logged after it
    cut = resumed.start_epoch * steps_per_epoch if resumed.requested else None
    return ScalarWriter(log_dir, say=say, resume_step=cut)


def _run_epochs(
    model: SiamBAN, dataset: Dataset, sampler: ShardedEpochSampler, loader: DataLoader, resumed: _Resumed,
    cfg: SiamBANConfig, ctx: DistContext, writer: ScalarWriter | None, snapshot_dir: Path,
    say: Callable[[str], None], progress: bool, validate: Validator | None,
) -> tuple[list[EpochStats], Path | None]:
    """Every epoch from ``resumed.start_epoch``: stage the backbone, set the rates, train, validate, snapshot."""
    optimizer, scheduler = resumed.optimizer, resumed.scheduler
    ddp_model = wrap_model(model, ctx)
    history: list[EpochStats] = []
    last_file = resumed.file
    for epoch in range(resumed.start_epoch, cfg.train.epoch):
        if epoch > resumed.start_epoch and not same_stage(cfg.backbone, epoch - 1, epoch):
            say(f"epoch {epoch + 1}: BACKBONE.TRAIN_LAYERS {list(cfg.backbone.train_layers)} start training")
            optimizer, scheduler = build_optimizer(model, cfg, epoch)
            del ddp_model  # its gradient hooks must go before a new wrapper registers its own
            ddp_model = wrap_model(model, ctx)
        scheduler.step(epoch)
        sampler.set_epoch(epoch)
        if hasattr(dataset, "set_epoch"):
            dataset.set_epoch(epoch)
        model.train()
        set_backbone_stage(model, cfg.backbone, epoch)

        stats = train_one_epoch(ddp_model, loader, optimizer, cfg, ctx, epoch, writer, progress)
        stats.lrs = scheduler.group_lrs()
        history.append(stats)
        say(_epoch_line(stats, cfg.train.epoch))
        sync_buffers(model, ctx)
        figures = _validate(model, validate, epoch, say) if ctx.is_main else {}
        last_file = checkpoint_path(snapshot_dir, epoch + 1)
        if ctx.is_main:
            _save_snapshot(model, optimizer, scheduler, cfg, ctx, epoch, last_file)
            assert writer is not None  # made on the main process
            writer.write(
                (epoch + 1) * len(loader),
                {f"epoch/{k}": getattr(stats, k) for k in ("loss", "cls_loss", "loc_loss", "pairs_per_s")}
                | {f"lr/{name}": lr for name, lr in stats.lrs.items()}
                | {f"val/{name}": value for name, value in figures.items()},
                epoch=epoch + 1,
                skipped=stats.skipped,
            )
        ctx.barrier()
    return history, last_file


def _validate(model: SiamBAN, validate: Validator | None, epoch: int, say: Callable[[str], None]) -> dict[str, float]:
    """The optional validation pass (eval mode, no gradients); training mode is set again by the next epoch."""
    if validate is None:
        return {}
    model.eval()
    with torch.no_grad():
        figures = {name: float(value) for name, value in validate(model).items()}
    say(f"epoch {epoch + 1} val: " + ", ".join(f"{name} {value:.4f}" for name, value in figures.items()))
    return figures


def _save_snapshot(
    model: SiamBAN, optimizer: torch.optim.Optimizer, scheduler: Any, cfg: SiamBANConfig, ctx: DistContext,
    epoch: int, path: Path,
) -> None:
    payload = {
        "epoch": epoch + 1,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "rng": capture_rng_state(),
        "config": config_to_dict(cfg),
        "world_size": ctx.world_size,
    }
    payload["state_dict"] = payload["model"]  # the official tools' key; stored once (same object)
    save_checkpoint(payload, path)


def train_one_epoch(
    model: nn.Module,
    loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    cfg: SiamBANConfig,
    ctx: DistContext,
    epoch: int,
    writer: ScalarWriter | None,
    progress: bool = True,
) -> EpochStats:
    """Run every step of one epoch; log averages every ``TRAIN.PRINT_FREQ`` steps. Returns the epoch's averages."""
    steps = len(loader)
    pairs_per_step = cfg.train.batch_size * ctx.world_size
    bar = progress_bar(
        total=steps * pairs_per_step,
        unit="pair",
        desc=f"epoch {epoch + 1}/{cfg.train.epoch}",
        disable=not (progress and ctx.is_main),
        leave=False,
    )
    epoch_sum = torch.zeros(len(STEP_VALUES), dtype=torch.float64)
    window_sum = torch.zeros_like(epoch_sum)
    applied = window = skipped = 0
    start = window_start = time.perf_counter()
    for step, batch in enumerate(loader):
        values, stepped = train_step(model, batch, optimizer, cfg.train, ctx)
        bar.update(pairs_per_step)
        if not stepped:
            skipped += 1
            continue
        applied += 1
        window += 1
        epoch_sum += values
        window_sum += values
        bar.set_postfix(loss=f"{values[0]:.4f}", refresh=False)
        if writer is not None and (window == cfg.train.print_freq or step == steps - 1):
            now = time.perf_counter()
            means = dict(zip(STEP_VALUES, (window_sum / window).tolist()))
            scalars = {
                "loss/total": means["loss"],
                "loss/cls": means["cls_loss"],
                "loss/loc": means["loc_loss"],
                "pairs/positives_per_pair": means["positives_per_pair"],
                "speed/pairs_per_s": window * pairs_per_step / max(now - window_start, 1e-9),
            } | {f"lr/{g['name']}": g["lr"] for g in optimizer.param_groups}
            writer.write(epoch * steps + step + 1, scalars, epoch=epoch + 1)
            window_sum.zero_()
            window, window_start = 0, now
    bar.close()
    elapsed = time.perf_counter() - start
    loss, cls_loss, loc_loss, positives_per_pair = (epoch_sum / max(applied, 1)).tolist()  # STEP_VALUES
    return EpochStats(epoch, applied, skipped, loss, cls_loss, loc_loss, positives_per_pair,
                      pairs_per_s=steps * pairs_per_step / max(elapsed, 1e-9))


def train_step(
    model: nn.Module,
    batch: PairBatch | Mapping[str, torch.Tensor],
    optimizer: torch.optim.Optimizer,
    train_cfg: TrainConfig,
    ctx: DistContext,
) -> tuple[torch.Tensor, bool]:
    """Forward (bf16 autocast on CUDA with ``TRAIN.AMP``, on CPU with ``TRAIN.AMP_CPU``), loss, backward, gradient
    clip, SGD step.

    Returns the step's (loss, cls loss, loc loss, positives per pair) averaged over processes (CPU float64), and
    whether the step was applied: a NaN, infinite or huge loss on any process skips it on all of them.
    """
    device = ctx.device
    pairs = PairBatch.of(batch).to(device)
    template, search, label_cls, label_loc = pairs.template, pairs.search, pairs.label_cls, pairs.label_loc
    autocast = train_cfg.amp_cpu if device.type == "cpu" else train_cfg.amp and device.type == "cuda"
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
        cls, loc = model(template, search)
    terms = siamban_loss(cls, loc, label_cls, label_loc, train_cfg.cls_weight, train_cfg.loc_weight)
    positives = (label_cls == 1).sum(dim=(1, 2)).float().mean()
    report = torch.stack([terms.total.detach(), terms.cls.detach(), terms.loc.detach(), positives])
    values = ctx.all_reduce_mean(report).double().cpu()
    if not math.isfinite(values[0]) or values[0] > MAX_VALID_LOSS:
        return values, False
    optimizer.zero_grad(set_to_none=True)
    # DDP averages gradients over processes; "sum" (the official reduction) scales them back up.
    scale = ctx.world_size if train_cfg.grad_reduce == "sum" else 1
    (terms.total * scale).backward()
    clip_grad_norm_([p for group in optimizer.param_groups for p in group["params"]], train_cfg.grad_clip)
    optimizer.step()
    return values, True


# ----------------------------------------------------------------------------------------------------------------------
# Messages


def _printer(ctx: DistContext) -> Callable[[str], None]:
    def say(message: str) -> None:
        if ctx.is_main:
            tqdm.write(message)

    return say


def _epoch_line(stats: EpochStats, epochs: int) -> str:
    lrs = " ".join(f"{name} {lr:.6g}" for name, lr in stats.lrs.items())
    line = (
        f"epoch {stats.epoch + 1}/{epochs}: loss {stats.loss:.4f} "
        f"(cls {stats.cls_loss:.4f}, loc {stats.loc_loss:.4f}), "
        f"{stats.positives_per_pair:.1f} positives/pair, {stats.pairs_per_s:.1f} pairs/s, lr {lrs}"
    )
    return line + (f", {stats.skipped} steps skipped (non-finite loss)" if stats.skipped else "")


def _warn_if_different(snapshot: Mapping[str, Any], cfg: SiamBANConfig, ctx: DistContext, say: Callable) -> None:
    """Resuming with another config or process count is allowed, but it is not an exact continuation."""
    saved = snapshot.get("config")
    if saved is not None and saved != config_to_dict(cfg):
        current = config_to_dict(cfg)
        changed = sorted(_changed_keys(saved, current))
        say(f"note: resuming with a config that differs from the snapshot's in {', '.join(changed[:8])}")
    if int(snapshot.get("world_size", ctx.world_size)) != ctx.world_size:
        say(f"note: the snapshot was written by {snapshot['world_size']} processes, resuming with {ctx.world_size}")


def _changed_keys(a: Any, b: Any, prefix: str = "") -> list[str]:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        keys = set(a) | set(b)
        return [k for key in keys for k in _changed_keys(a.get(key), b.get(key), f"{prefix}{key}.")]
    return [prefix.rstrip(".")] if a != b else []

