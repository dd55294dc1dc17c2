"""Short real training runs of a tiny model on fabricated pairs: the loss falls, snapshots resume bit-exactly."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import default_collate

from siamban.config import ScheduleConfig, load_config
from siamban.errors import ConfigError
from siamban.models import build_model, load_weights
from siamban.training import load_checkpoint, train
from siamban.training.distributed import DistContext
from siamban.training.optim import build_optimizer
from siamban.training.scalars import read_scalars
from siamban.training.trainer import train_step
from training_fakes import Killed, KillDuring, SquarePairs, tiny_config


def test_loss_clearly_falls(tmp_path):
    cfg = tiny_config(
        epochs=5,
        batch_size=8,
        base_lr=0.1,
        lr=ScheduleConfig("log", {"start_lr": 0.1, "end_lr": 0.02}),
        lr_warmup=ScheduleConfig("step", {"start_lr": 0.05, "end_lr": 0.1, "step": 1}, epoch=1),
    )
    summary = train(cfg, SquarePairs(96, seed=1), tmp_path, progress=False)
    first, last = summary.epochs[0], summary.epochs[-1]
    assert [e.steps for e in summary.epochs] == [12] * 5 and all(e.skipped == 0 for e in summary.epochs)
    assert last.loss < 0.7 * first.loss
    assert last.cls_loss < 0.3 * first.cls_loss  # the square is easy to find ...
    assert last.loc_loss < 0.8 * first.loc_loss  # ... and the IoU loss learns its sides
    assert 10 <= first.positives_per_pair <= 16  # ellipse labels, capped at 16

    records = read_scalars(tmp_path / "logs")
    steps = [r for r in records if "loss/total" in r]
    assert len(steps) == 5 * 6  # every PRINT_FREQ = 2 steps
    assert {"loss/cls", "loss/loc", "pairs/positives_per_pair", "speed/pairs_per_s", "lr/head", "lr/neck"} <= set(
        steps[0]
    )
    assert "lr/backbone" not in steps[0] and steps[-1]["lr/backbone"] == pytest.approx(0.1 * steps[-1]["lr/head"])
    assert [r["epoch"] for r in records if "epoch/loss" in r] == [1, 2, 3, 4, 5]
    assert load_config(tmp_path / "config.yaml") == cfg


def _final_weights(summary) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in summary.model.state_dict().items()}


def test_killed_runs_resume_to_bit_identical_weights(tmp_path):
    # Three epochs, the backbone's block2 trains from epoch 2 (index 1). Straight run against: a run killed during
    # epoch 2, resumed (at the unfreeze epoch: optimiser rebuilt) and killed again during epoch 3, resumed again
    # (same stage: optimiser state restored).
    cfg = tiny_config(epochs=3, batch_size=4, train_epoch=1)
    straight = train(cfg, SquarePairs(24, seed=3), tmp_path / "straight", progress=False)

    run = tmp_path / "killed"
    with pytest.raises(Killed):
        train(cfg, KillDuring(SquarePairs(24, seed=3), epoch=1, after=10), run, progress=False)
    assert sorted(p.name for p in (run / "snapshot").iterdir()) == ["checkpoint_e1.pth"]  # lost only epoch 2
    with pytest.raises(Killed):
        train(cfg, KillDuring(SquarePairs(24, seed=3), epoch=2, after=7), run, resume="auto", progress=False)
    assert sorted(p.name for p in (run / "snapshot").iterdir()) == ["checkpoint_e1.pth", "checkpoint_e2.pth"]
    resumed = train(cfg, SquarePairs(24, seed=3), run, resume="auto", progress=False)
    assert [e.epoch for e in resumed.epochs] == [2]

    expected, got = _final_weights(straight), _final_weights(resumed)
    assert expected.keys() == got.keys()
    differing = [k for k in expected if not torch.equal(expected[k], got[k])]
    assert not differing, differing

    # The snapshot: model (readable by load_weights), optimiser, scheduler, epoch, RNG states, config.
    snapshot = load_checkpoint(run / "snapshot" / "checkpoint_e3.pth")
    assert snapshot["epoch"] == 3 and snapshot["scheduler"]["last_epoch"] == 2
    assert {"python", "numpy", "torch"} <= set(snapshot["rng"])
    assert snapshot["config"]["TRAIN"]["EPOCH"] == 3
    assert [g["name"] for g in snapshot["optimizer"]["param_groups"]] == ["backbone", "neck", "head"]
    model = load_weights(build_model(cfg), run / "snapshot" / "checkpoint_e3.pth")
    assert all(torch.equal(model.state_dict()[k], expected[k]) for k in expected)
    # Resuming a finished run trains nothing and keeps the weights.
    again = train(cfg, SquarePairs(24, seed=3), run, resume="auto", progress=False)
    assert again.epochs == [] and again.last_checkpoint == run / "snapshot" / "checkpoint_e3.pth"


def test_a_resumed_run_logs_each_step_once(tmp_path):
    cfg = tiny_config(epochs=2, batch_size=4)  # 6 steps an epoch, a record every 2 and one per epoch
    with pytest.raises(Killed):  # during epoch 2, after its step 8 was logged
        train(cfg, KillDuring(SquarePairs(24, seed=3), epoch=1, after=10), tmp_path, progress=False)
    assert [r["step"] for r in read_scalars(tmp_path / "logs")] == [2, 4, 6, 6, 8]
    train(cfg, SquarePairs(24, seed=3), tmp_path, resume="auto", progress=False)
    assert [r["step"] for r in read_scalars(tmp_path / "logs")] == [2, 4, 6, 6, 8, 10, 12, 12]


def test_a_non_finite_loss_skips_the_step():
    cfg = tiny_config()
    model = build_model(cfg).train()
    optimizer, _ = build_optimizer(model, cfg, epoch=0)
    batch = default_collate([SquarePairs(4, seed=0)[i] for i in range(4)])
    batch["template"][0, 0, 0, 0] = float("nan")
    before = {k: v.clone() for k, v in model.named_parameters()}
    values, stepped = train_step(model, batch, optimizer, cfg.train, DistContext())
    assert not stepped and torch.isnan(values[0])
    assert all(torch.equal(before[k], v) for k, v in model.named_parameters())


def test_invalid_training_values_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="TRAIN.GRAD_REDUCE 'avg'"):
        train(tiny_config(grad_reduce="avg"), SquarePairs(8), tmp_path)
    with pytest.raises(ConfigError, match="TRAIN.BATCH_SIZE 0"):
        train(tiny_config(batch_size=0), SquarePairs(8), tmp_path)


def test_progress_bar_counts_pairs(tmp_path, capsys):
    cfg = tiny_config(epochs=1, batch_size=4, lr_warmup=ScheduleConfig(warmup=False))
    train(cfg, SquarePairs(8), tmp_path, progress=True)
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "pair/s" in err  # tqdm counts pairs, so its rate is pairs per second
    assert "/8 [" in err  # the bar's total: 2 steps x 4 pairs


def test_an_epoch_validation_pass_is_logged_and_leaves_training_unchanged(tmp_path):
    seen = []

    def validate(model):
        seen.append(model.training)
        return {"weight_norm": float(sum(p.norm() for p in model.parameters()))}

    cfg = tiny_config(epochs=2)
    plain = train(cfg, SquarePairs(16, seed=2), tmp_path / "plain", progress=False)
    checked = train(cfg, SquarePairs(16, seed=2), tmp_path / "checked", progress=False, validate=validate)
    assert seen == [False, False]  # called once per epoch, in eval mode
    pairs = zip(plain.model.state_dict().values(), checked.model.state_dict().values(), strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)
    logged = [r["val/weight_norm"] for r in read_scalars(tmp_path / "checked" / "logs") if "val/weight_norm" in r]
    expected = float(sum(p.detach().norm() for p in checked.model.parameters()))
    assert len(logged) == 2 and logged[1] == pytest.approx(expected, rel=1e-6) and logged[0] != logged[1]
