"""Learning rates per epoch: the paper's numbers for the bundled recipe, and every official schedule type."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from siamban.config import ScheduleConfig, TrainConfig, resolve_config
from siamban.errors import ConfigError
from siamban.training.schedule import EpochLRScheduler, build_lr_schedule


@pytest.fixture(scope="module")
def recipe():
    return resolve_config("siamban_r50_l234").train


def test_paper_schedule_at_chosen_epochs(recipe):
    # Warm-up 0.001 -> 0.005 over 5 epochs as 0.001 * 5^(e/5); then 15 epochs log-spaced 0.005 -> 0.00005.
    schedule = build_lr_schedule(recipe)
    assert len(schedule) == 20
    expected = {
        0: 0.001,
        4: 0.001 * 5 ** (4 / 5),  # 0.0036239
        5: 0.005,
        10: 0.005 * 0.01 ** (5 / 14),  # 0.00096535, first epoch of backbone training
        19: 0.00005,
    }
    for epoch, lr in expected.items():
        assert schedule.lr(epoch) == pytest.approx(lr, rel=1e-12), epoch
    assert schedule.lr(4) == pytest.approx(0.0036238983, rel=1e-8)
    assert schedule.lr(10) == pytest.approx(0.00096535, rel=1e-5)
    # Exponential decay: a constant ratio between consecutive epochs of the main phase.
    ratios = [schedule.lr(e + 1) / schedule.lr(e) for e in range(5, 19)]
    assert ratios == pytest.approx([0.01 ** (1 / 14)] * 14, rel=1e-12)
    with pytest.raises(ConfigError, match="epoch 20 is outside the 20-epoch schedule"):
        schedule.lr(20)


def test_groups_follow_the_schedule_with_the_backbone_at_a_tenth(recipe):
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in range(2)]
    optimizer = torch.optim.SGD(
        [
            {"name": "backbone", "params": [params[0]], "base_lr": 0.1 * recipe.base_lr},
            {"name": "head", "params": [params[1]], "base_lr": recipe.base_lr},
        ],
        lr=recipe.base_lr,
    )
    scheduler = EpochLRScheduler(optimizer, build_lr_schedule(recipe))
    scheduler.step(10)
    lrs = scheduler.group_lrs()
    assert lrs["head"] == pytest.approx(0.005 * 0.01 ** (5 / 14), rel=1e-12)
    assert lrs["backbone"] == pytest.approx(0.1 * lrs["head"], rel=1e-12)
    assert scheduler.state_dict()["last_epoch"] == 10


def _schedule(main: ScheduleConfig, epochs: int, warmup: ScheduleConfig | None = None) -> list[float]:
    train = TrainConfig(epoch=epochs, lr=main, lr_warmup=warmup or ScheduleConfig(type="step", warmup=False))
    return list(build_lr_schedule(train).lrs)


def test_every_official_schedule_type():
    assert _schedule(ScheduleConfig("log", {"start_lr": 0.1, "end_lr": 0.001}), 3) == pytest.approx([0.1, 0.01, 0.001])
    assert _schedule(ScheduleConfig("step", {"start_lr": 0.01, "step": 2, "mult": 0.5}), 5) == pytest.approx(
        [0.01, 0.01, 0.005, 0.005, 0.0025]
    )
    assert _schedule(ScheduleConfig("multi-step", {"start_lr": 0.01, "steps": [2, 4], "mult": 0.1}), 5) == (
        pytest.approx([0.01, 0.01, 0.001, 0.001, 0.0001])
    )
    assert _schedule(ScheduleConfig("linear", {"start_lr": 0.01, "end_lr": 0.005}), 6) == pytest.approx(
        [0.01, 0.009, 0.008, 0.007, 0.006, 0.005]
    )
    half = (1 + math.cos(math.pi / 4)) / 2  # 0.853553
    assert _schedule(ScheduleConfig("cos", {"start_lr": 0.01, "end_lr": 0.0}), 4) == pytest.approx(
        [0.01, 0.01 * half, 0.005, 0.01 * (1 - half)]
    )
    # Multi-step with both ends: mult chosen so the last step lands on end_lr.
    assert _schedule(ScheduleConfig("multi-step", {"start_lr": 0.04, "end_lr": 0.01, "steps": [1, 3]}), 4) == (
        pytest.approx([0.04, 0.02, 0.02, 0.01])
    )


def test_warmup_then_main_phase_and_group_rates_relative_to_the_main_start():
    warmup = ScheduleConfig("linear", {"start_lr": 0.0, "end_lr": 0.02}, epoch=3)
    train = TrainConfig(epoch=5, lr=ScheduleConfig("linear", {"start_lr": 0.02, "end_lr": 0.01}), lr_warmup=warmup)
    schedule = build_lr_schedule(train)
    assert list(schedule.lrs) == pytest.approx([0.0, 0.01, 0.02, 0.02, 0.01])
    assert schedule.reference_lr == 0.02


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lr": ScheduleConfig("exponential", {})}, r"TRAIN\.LR\.TYPE 'exponential': unknown schedule"),
        ({"lr": ScheduleConfig("log", {"start": 0.1})}, r"TRAIN\.LR\.KWARGS \{'start': 0.1\}: .*unexpected keyword"),
        ({"lr_warmup": ScheduleConfig("step", {"start_lr": 0.001, "end_lr": 0.005}, epoch=20)}, "LR_WARMUP.EPOCH 20"),
        ({"lr": ScheduleConfig("log", {"start_lr": -1.0, "end_lr": 0.1})}, r"TRAIN\.LR\.KWARGS"),
    ],
)
def test_bad_schedules_name_the_config_key(recipe, changes, message):
    with pytest.raises(ConfigError, match=message):
        build_lr_schedule(dataclasses.replace(recipe, **changes))
