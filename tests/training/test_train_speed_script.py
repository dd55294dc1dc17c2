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


def test_loading_alone_is_timed_against_the_step(tmp_path, monkeypatch, capsys):
    import dataclasses

    from real_data_fakes import write_image_sequence
    from siamban.config import DatasetConfig, DatasetSourceConfig

    write_image_sequence(tmp_path / "seqs" / "s0", count=8)
    data = DatasetConfig(names=("SEQS",), videos_per_epoch=16,
                         sources={"SEQS": DatasetSourceConfig(str(tmp_path / "seqs"), "", 4, num_use=16)})
    config = tmp_path / "tiny.yaml"
    save_config(dataclasses.replace(tiny_config(batch_size=2), dataset=data), config)
    output = tmp_path / "speed.json"
    argv = ["train_speed.py", "--config", str(config), "--steps", "1", "--warmup", "0", "--stages", "frozen",
            "--loading", "--loading-batches", "3", "--device", "cpu", "--output", str(output)]
    monkeypatch.setattr(sys, "argv", argv)
    load_benchmark_script("train_speed").main()
    step, loading = json.loads(output.read_text())["results"]
    assert loading["stage"] == "loading" and loading["batches"] == 3 and loading["workers"] == 0
    assert loading["ratio_to_fastest_step"] == loading["pairs_per_s"] / step["pairs_per_s"] > 0
    assert "x the fastest step" in capsys.readouterr().out
