"""``siamban tune`` on a tiny fabricated split with the hand-set probe model: the trial plan, the log, resumability,
parallel workers, the best preset, and the refusal to tune on held-out sequences."""

from __future__ import annotations

import json
import math

import pytest
import torch
import yaml

from bench_fakes import ProbeFactory, write_shared_layout
from probe_model import PROBE_CONFIG, probe_model
from siamban.evaluation import load_benchmark
from siamban.evaluation.tune import SearchSpace, plan_trials, read_log, tune
from siamban.cli import main
from siamban.config import load_config, save_config
from siamban.errors import InputError


def test_plan_is_seeded_extends_with_the_budget_and_respects_ranges():
    space = SearchSpace(penalty_k=(0.0, 0.2), window_influence=(0.3, 0.5), lr=(0.25, 0.25))
    a = plan_trials("random", 5, seed=3, space=space)
    assert [t.params for t in a] == [t.params for t in plan_trials("random", 5, seed=3, space=space)]
    assert [t.params for t in plan_trials("random", 8, seed=3, space=space)[:5]] == [t.params for t in a]
    assert a[0].params != plan_trials("random", 1, seed=4, space=space)[0].params
    assert all(0 <= t.params["penalty_k"] <= 0.2 and 0.3 <= t.params["window_influence"] <= 0.5 for t in a)
    assert {t.params["lr"] for t in a} == {0.25} and [t.name for t in a[:2]] == ["trial_0001", "trial_0002"]
    grid = plan_trials("grid", 10, space=space)  # 2 values per axis (2**3 = 8 <= 10 < 27)
    assert len(grid) == 8 and {t.params["penalty_k"] for t in grid} == {0.0, 0.2}
    assert {t.params["window_influence"] for t in grid} == {0.3, 0.5}
    assert plan_trials("grid", 7, space=space)[0].params == {"penalty_k": 0.1, "window_influence": 0.4, "lr": 0.25}
    with pytest.raises(InputError, match="must be finite"):
        SearchSpace(lr=(0.5, 0.1))


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    root = tmp_path_factory.mktemp("shared") / "sequences"
    write_shared_layout(root, {"a_val": "val", "b_val": "val", "c_train": "train", "d_heldout": "heldout"}, frames=8)
    return root


def test_tune_log_parallel_resume_and_best(split, tmp_path):
    bench = load_benchmark("folders", split, roles=["val"])
    assert [s.name for s in bench] == ["a_val", "b_val"]
    factory = ProbeFactory(PROBE_CONFIG, _probe_weights(tmp_path), device="cpu")
    # a penalty_k range up to 2 and window influence up to 0.9 makes some trials clearly worse than others
    space = SearchSpace(penalty_k=(0.0, 2.0), window_influence=(0.0, 0.9), lr=(0.1, 1.0))
    out = tmp_path / "tune"
    first = tune(bench, factory, out, PROBE_CONFIG, budget=3, seed=1, space=space, workers=2, show_progress=False)
    log = read_log(out / "trials.jsonl")
    assert first.new == 4 and sorted(r["trial"] for r in log) == [0, 1, 2, 3]  # trial 0: the starting values
    planned = {t.number: t.params for t in plan_trials("random", 3, seed=1, space=space)}
    track = PROBE_CONFIG.track
    planned[0] = {"penalty_k": track.penalty_k, "window_influence": track.window_influence, "lr": track.lr}
    for record in log:
        assert record["params"] == planned[record["trial"]] and record["metric"] == "success_auc"
        assert record["sequences"] == ["a_val", "b_val"] and 0 < record["score"] <= 20 / 21
        for seq in ("a_val", "b_val"):
            assert (out / "results" / "folders" / f"trial_{record['trial']:04d}" / f"{seq}.txt").is_file()
    scores = [r["score"] for r in log]
    assert max(scores) - min(scores) > 0.01  # the parameters matter on this split
    assert first.best["score"] == max(scores)

    again = tune(bench, factory, out, PROBE_CONFIG, budget=3, seed=1, space=space, show_progress=False)
    assert again.new == 0 and len(read_log(out / "trials.jsonl")) == 4  # resumed: no new trial

    # an interrupted trial: one of its two sequences was written; the resumed run finishes only the other
    (out / "results" / "folders" / "trial_0004").mkdir(parents=True)
    more = tune(bench, factory, out, PROBE_CONFIG, budget=4, seed=1, space=space, show_progress=False)
    log = read_log(out / "trials.jsonl")
    assert more.new == 1 and [r["trial"] for r in log] == [0, 1, 2, 3, 4]
    best = max(log, key=lambda r: r["score"])
    assert more.best == best
    track = load_config(out / "best.yaml").track
    assert (track.penalty_k, track.window_influence, track.lr) == pytest.approx(
        (best["params"]["penalty_k"], best["params"]["window_influence"], best["params"]["lr"]))
    section = yaml.safe_load((out / "best_track.yaml").read_text())["TRACK"]
    assert section["PENALTY_K"] == pytest.approx(best["params"]["penalty_k"])

    with pytest.raises(InputError, match="another seed"):
        tune(bench, factory, out, PROBE_CONFIG, budget=2, seed=2, space=space, show_progress=False)


def test_the_starting_settings_are_trial_0_and_best_is_never_worse(split, tmp_path):
    # a search space far from the probe's own settings: every draw tracks worse than where the search starts
    bench = load_benchmark("folders", split, roles=["val"])
    factory = ProbeFactory(PROBE_CONFIG, _probe_weights(tmp_path), device="cpu")
    space = SearchSpace(penalty_k=(2.0, 2.0), window_influence=(0.9, 0.9), lr=(1.0, 1.0))
    summary = tune(bench, factory, tmp_path / "tune", PROBE_CONFIG, budget=1, space=space, show_progress=False)
    start, drawn = read_log(tmp_path / "tune" / "trials.jsonl")
    track = PROBE_CONFIG.track
    assert start["trial"] == 0 and drawn["trial"] == 1
    assert start["params"] == {"penalty_k": track.penalty_k, "window_influence": track.window_influence, "lr": track.lr}
    assert start["score"] > drawn["score"] and summary.best == start
    best = load_config(tmp_path / "tune" / "best.yaml").track
    assert (best.penalty_k, best.window_influence, best.lr) == (track.penalty_k, track.window_influence, track.lr)


def _probe_weights(folder):
    """The probe with boxes 40% too large (90 crop pixels for a 63.5-pixel square): how fast and how far the tracker
    lets its box grow (lr, penalty_k) then decides the overlap, so the trials differ."""
    path = folder / "probe.pth"
    torch.save(probe_model(target_size_crop=90.0).state_dict(), path)
    return path


def test_tune_cli_writes_log_and_refuses_heldout(split, tmp_path, capsys):
    config = tmp_path / "probe.yaml"
    save_config(PROBE_CONFIG, config)
    weights = _probe_weights(tmp_path)
    base = ["tune", "--dataset", "folders", "--dataset-root", str(split), "--config", str(config), "--weights",
            str(weights), "--device", "cpu", "--quiet", "--out", str(tmp_path / "t")]
    assert main(base + ["--role", "val", "--method", "grid", "--budget", "1", "--lr", "0.3:0.3"]) == 0
    out = capsys.readouterr().out
    assert "2 sequences, 2 new trials, 2 in" in out and "best: trial " in out
    start, record = map(json.loads, (tmp_path / "t" / "trials.jsonl").read_text().splitlines())
    assert start["trial"] == 0 and start["params"] == {"penalty_k": 0.14, "window_influence": 0.45, "lr": 0.3}
    assert record["params"] == {"penalty_k": 0.3005, "window_influence": 0.35, "lr": 0.3}
    assert math.isclose(load_config(tmp_path / "t" / "best.yaml").track.window_influence, 0.35)
    assert main(base + ["--role", "val", "--method", "grid", "--budget", "1", "--lr", "0.3:0.3"]) == 0
    assert "0 new trials, 2 in" in capsys.readouterr().out
    assert main(base + ["--role", "heldout"]) == 2
    assert "refusing to tune on heldout sequences" in capsys.readouterr().err
