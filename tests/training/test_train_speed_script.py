"""``benchmarks/train_speed.py`` runs end to end (on the tiny model, so it stays fast) and reports both stages."""

from __future__ import annotations

import json
import sys

import torch

from siamban.config import save_config
from training_fakes import tiny_config
from benchmark_scripts import load_benchmark_script


def test_random_pairs_follow_the_data_contract():
    script = load_benchmark_script("train_speed")
    pairs = script.random_pairs(3, 25, torch.Generator().manual_seed(0))
    assert pairs["template"].shape == (3, 3, 127, 127) and pairs["search"].shape == (3, 3, 255, 255)
    assert [(pairs["label_cls"][i] == 1).sum().item() for i in range(3)] == [16, 16, 16]
    assert [(pairs["label_cls"][i] == 0).sum().item() for i in range(3)] == [48, 48, 48]
    assert pairs["label_loc"].shape == (3, 4, 25, 25) and pairs["label_loc"].min() >= 10


def test_script_prints_a_table_and_writes_json(tmp_path, monkeypatch, capsys):
    config = tmp_path / "tiny.yaml"
    save_config(tiny_config(), config)
    output = tmp_path / "speed.json"
    argv = ["train_speed.py", "--config", str(config), "--batch-size", "2", "--steps", "1", "--warmup", "0"]
    monkeypatch.setattr(sys, "argv", argv + ["--device", "cpu", "--output", str(output)])
    load_benchmark_script("train_speed").main()
    report = json.loads(output.read_text())
    assert report["device_type"] == "cpu" and report["precision"] == "fp32"
    frozen, unfrozen = report["results"]
    assert (frozen["stage"], unfrozen["stage"]) == ("frozen", "unfrozen")
    assert frozen["batch"] == 2 and frozen["pairs_per_s"] > 0
    assert unfrozen["trainable_parameters"] - frozen["trainable_parameters"] == 8 * 8 * 9 + 2 * 8  # block2 conv+BN
    assert capsys.readouterr().out.count("pairs/s") == 2
