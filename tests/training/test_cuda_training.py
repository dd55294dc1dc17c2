"""Training on a CUDA device (skipped without one): the tiny recipe under AMP learns as it does on the CPU, and an
fp32 run on the GPU follows the CPU run's weights."""

from __future__ import annotations

import pytest
import torch

from siamban.config import ScheduleConfig
from siamban.training import train
from training_fakes import SquarePairs, tiny_config

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


def _recipe(epochs: int = 5, **changes):
    return tiny_config(
        epochs=epochs,
        batch_size=8,
        base_lr=0.1,
        lr=ScheduleConfig("log", {"start_lr": 0.1, "end_lr": 0.02}),
        lr_warmup=ScheduleConfig("step", {"start_lr": 0.05, "end_lr": 0.1, "step": 1}, epoch=1),
        **changes,
    )


def test_amp_training_on_cuda_learns(tmp_path):
    summary = train(_recipe(amp=True), SquarePairs(96, seed=1), tmp_path, device="cuda", progress=False)
    first, last = summary.epochs[0], summary.epochs[-1]
    assert next(summary.model.parameters()).device.type == "cuda"
    assert all(e.skipped <= 1 for e in summary.epochs)  # the grad scaler may skip its first step, no more
    assert last.loss < 0.7 * first.loss and last.cls_loss < 0.3 * first.cls_loss
    assert all(torch.isfinite(p).all() for p in summary.model.parameters())
    assert (tmp_path / "snapshot" / "checkpoint_e5.pth").is_file()


def test_fp32_training_on_cuda_follows_the_cpu(tmp_path):
    cfg = _recipe(epochs=2, amp=False)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    gpu = train(cfg, SquarePairs(32, seed=3), tmp_path / "gpu", device="cuda", progress=False)
    cpu = train(cfg, SquarePairs(32, seed=3), tmp_path / "cpu", device="cpu", progress=False)
    worst = max(
        (g.detach().cpu() - c.detach()).abs().max().item()
        for g, c in zip(gpu.model.parameters(), cpu.model.parameters(), strict=True)
    )
    assert worst < 1e-3, f"largest parameter difference GPU vs CPU after 8 steps: {worst:.3g}"
    assert gpu.epochs[-1].loss == pytest.approx(cpu.epochs[-1].loss, rel=1e-3)
