"""``benchmarks/speed.py`` runs end to end with tiny settings and writes a JSON report with ratios to eager."""

from __future__ import annotations

import json

import pytest
import torch

from benchmark_scripts import load_benchmark_script
from siamban.assets import DEFAULT_CONFIG, default_weights
from siamban.config import resolve_config
from siamban.models import build_model, load_weights


@pytest.mark.slow
def test_speed_script_writes_a_valid_report(tmp_path, capsys):
    output = tmp_path / "speed.json"
    threads = torch.get_num_threads()
    argv = ["--models", "lite0", "--paths", "eager", "fp32", "bf16", "--frames", "3", "--warmup", "1",
            "--batch", "2", "--rounds", "3", "--iou-frames", "0", "--threads", str(threads), "--output", str(output)]
    try:
        load_benchmark_script("speed").main(argv)
    finally:
        torch.set_num_threads(threads)
    report = json.loads(output.read_text())
    assert report["protocol"]["threads"] == threads and report["protocol"]["warmup"] == 1
    rows = {row["path"]: row for row in report["results"]}
    assert list(rows) == ["eager", "fp32", "bf16"]
    eager, bf16 = rows["eager"], rows["bf16"]
    assert eager["ratio_to_eager"]["step_b1_fps"] == 1.0
    # 3 round-robin rounds of one step (one batch-2 step, one tracked frame) per path
    assert [bf16[k]["samples"] for k in ("step_b1", "step_bn", "end_to_end", "end_to_end_bn")] == [3, 3, 3, 3]
    assert bf16["ratio_to_eager"]["step_b1_fps"] == pytest.approx(bf16["step_b1"]["fps"] / eager["step_b1"]["fps"])
    assert 0.5 < eager["search_gflops"] < 10 and 0 < eager["template_gflops"] < eager["search_gflops"]
    assert eager["parameters"] > 1e6 and eager["floor_fps"] > 0 and eager["peak_memory_mb"] > 0
    out = capsys.readouterr().out
    assert "Timing protocol" in out and out.count("lite0  ") == 3


@pytest.mark.slow
def test_box_agreement_on_the_sample_clip_with_the_default_model(tmp_path):
    script = load_benchmark_script("speed")
    cfg = resolve_config(DEFAULT_CONFIG)
    model = load_weights(build_model(cfg), default_weights()).eval()
    result = script.iou_agreement(model, cfg, torch.device("cpu"), 8, tmp_path / "none")  # no real sequences: the clip
    sample = result["per_sequence"]["sample"]
    assert list(result["per_sequence"]) == ["sample"] and sample["frames"] == 8
    assert sample["fp32_vs_eager"] > 0.999  # folding and packing do not move the boxes
    assert 0.5 < sample["bf16_vs_fp32"] <= 1.0 and 0.5 < sample["fp32_noise1_vs_fp32"] <= 1.0
    # from the same state each frame, bf16 boxes stay close; the free-running trajectories can only drift further
    assert sample["bf16_vs_fp32_same_state"] > 0.9 and sample["fp32_noise1_vs_fp32_same_state"] > 0.9
    assert sample["bf16_vs_fp32_same_state"] >= sample["bf16_vs_fp32"] - 0.02
    assert result["sequences_bf16_vs_fp32"] is None
