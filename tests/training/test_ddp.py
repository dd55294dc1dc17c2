"""A real two-process DistributedDataParallel run on the CPU (gloo), as ``torchrun --nproc-per-node 2`` starts it.

Both ranks must end with identical weights (parameters and batch-norm buffers), equal to a single process that
steps on the same global batches. That single process splits each global batch into the ranks' halves and averages
their gradients: DDP is not identical to one forward pass over the whole global batch, because (1) batch-norm layers
in train mode (neck, head, and the backbone's trained layers) normalise each rank's half with its own statistics, as
in the official code (no SyncBatchNorm), and (2) the loss is a mean over each rank's positive and negative points, so
the halves are weighted equally whatever their point counts.
"""

from __future__ import annotations

import os
import socket

import pytest
import torch
import torch.multiprocessing as mp
from torch.nn.utils import clip_grad_norm_
from torch.utils.data import default_collate

from siamban.models import build_model
from siamban.training.distributed import ShardedEpochSampler
from siamban.training.losses import siamban_loss
from siamban.training.optim import build_optimizer, same_stage, set_backbone_stage
from siamban.training.trainer import seed_everything
from training_fakes import SquarePairs, tiny_config

WORLD = 2
PAIRS = 16  # per epoch: 2 global steps of 2 x 4 pairs


def _config():
    return tiny_config(epochs=2, batch_size=4, train_epoch=1)  # crosses the unfreeze epoch: DDP is re-wrapped


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank_main(rank: int, port: int, out_dir: str) -> None:
    # What torchrun sets for each process.
    os.environ.update(
        RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(WORLD), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port)
    )
    torch.set_num_threads(1)
    from siamban.training import train

    summary = train(_config(), SquarePairs(PAIRS, seed=5), out_dir, device="cpu", progress=False)
    torch.save(summary.model.state_dict(), os.path.join(out_dir, f"rank{rank}.pt"))


def _single_process_reference() -> dict[str, torch.Tensor]:
    """The same recipe in one process: each global batch's rank halves run separately, gradients averaged."""
    cfg = _config()
    dataset = SquarePairs(PAIRS, seed=5)
    seed_everything(cfg.train.seed)
    model = build_model(cfg)
    sampler = ShardedEpochSampler(PAIRS, cfg.train.batch_size * WORLD, seed=cfg.train.seed)  # one rank, global batch
    for epoch in range(cfg.train.epoch):
        if epoch == 0 or not same_stage(cfg.backbone, epoch - 1, epoch):
            optimizer, scheduler = build_optimizer(model, cfg, epoch)
        scheduler.step(epoch)
        model.train()
        set_backbone_stage(model, cfg.backbone, epoch)
        dataset.set_epoch(epoch)
        sampler.set_epoch(epoch)
        order = list(sampler)
        global_batch = cfg.train.batch_size * WORLD
        for start in range(0, len(order), global_batch):
            indices = order[start : start + global_batch]
            optimizer.zero_grad(set_to_none=True)
            for rank in range(WORLD):
                half = default_collate([dataset[i] for i in indices[rank::WORLD]])
                cls, loc = model(half["template"], half["search"])
                loss = siamban_loss(cls, loc, half["label_cls"], half["label_loc"]).total
                (loss / WORLD).backward()
            clip_grad_norm_([p for g in optimizer.param_groups for p in g["params"]], cfg.train.grad_clip)
            optimizer.step()
    return {k: v.detach() for k, v in model.named_parameters()}


@pytest.mark.slow
def test_two_gloo_processes_agree_with_each_other_and_with_one_process(tmp_path):
    mp.spawn(_rank_main, args=(_free_port(), str(tmp_path)), nprocs=WORLD, join=True)
    rank0 = torch.load(tmp_path / "rank0.pt", weights_only=True)
    rank1 = torch.load(tmp_path / "rank1.pt", weights_only=True)
    assert rank0.keys() == rank1.keys()
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0), "ranks diverged"
    snapshot = torch.load(tmp_path / "snapshot" / "checkpoint_e2.pth", weights_only=True)
    assert snapshot["world_size"] == 2 and all(torch.equal(snapshot["model"][k], rank0[k]) for k in rank0)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        reference = _single_process_reference()
    finally:
        torch.set_num_threads(threads)
    worst = max((rank0[k] - v).abs().max().item() for k, v in reference.items())
    assert worst < 1e-6, f"largest parameter difference to the single process: {worst:.3g}"  # 0.0 on this machine
    moved = max((rank0[k] - v).abs().max().item() for k, v in build_model(_config()).named_parameters())
    assert moved > 1e-3  # the comparison is not vacuous: training changed the weights
