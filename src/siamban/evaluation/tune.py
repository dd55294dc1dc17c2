"""Tracker hyper-parameter search (``siamban tune``): random or grid search over TRACK.PENALTY_K, WINDOW_INFLUENCE and
LR on one dataset split, scored with the split's own metric (success AUC, EAO or AO).

Everything lives in one output folder: ``trials.jsonl`` (one line per finished trial: its number, parameters, score
and summary), ``results/<Dataset>/trial_NNNN/`` (each trial's result files, pysot-toolkit layout) and, after every
run, ``best.yaml`` (the whole config with the best trial's TRACK section) and ``best_track.yaml`` (the TRACK section
alone). The trial list is a pure function of the method, budget, seed and search space, so a second run of the same
command skips the trials already in the log and the sequences already written (an interrupted run loses at most the
sequences in flight). All trials' sequences go to one pool of worker processes, each loading the network once.

Tuning on the split you then report inflates that report: see ``docs/tuning.md``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping

import numpy as np
import yaml

from siamban.evaluation.datasets.base import Benchmark
from siamban.evaluation.evaluate import evaluate_benchmark
from siamban.evaluation.results import result_paths
from siamban.evaluation.runners.run import Job, RunOptions, is_finished, run_jobs
from siamban.evaluation.trackers import with_track_overrides
from siamban.config import SiamBANConfig, TrackConfig, config_to_dict, save_config
from siamban.errors import InputError
from siamban.io.atomic import write_text_atomic
from siamban.tracker.sequence import SingleTargetTracker

METHODS = ("random", "grid")
#: The score a trial is ranked by, per benchmark protocol.
OBJECTIVES = {"ope": "success_auc", "vot": "eao", "got10k": "ao"}
LOG_NAME = "trials.jsonl"


#: Parameters that are fractions (``check_track_config`` refuses values outside 0..1).
UNIT_RANGE = ("window_influence", "lr")
#: Most trials one search may plan (each one tracks the whole split; the plan is held in memory).
MAX_BUDGET = 100_000


@dataclass(frozen=True)
class SearchSpace:
    """Closed ranges searched for each TRACK parameter (defaults: wide, covering every official preset)."""

    penalty_k: tuple[float, float] = (0.001, 0.6)
    window_influence: tuple[float, float] = (0.05, 0.65)
    lr: tuple[float, float] = (0.1, 0.8)

    def __post_init__(self) -> None:
        for name, (low, high) in self.ranges().items():
            if not (math.isfinite(low) and math.isfinite(high) and 0 <= low <= high):
                raise InputError(f"search range of {name}: [{low}, {high}] must be finite with 0 <= low <= high")
            if name in UNIT_RANGE and high > 1:
                raise InputError(f"search range of {name}: [{low}, {high}] must lie in 0..1 (TRACK.{name.upper()} is "
                                 "a fraction)")

    def ranges(self) -> dict[str, tuple[float, float]]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class Trial:
    number: int  # 1-based for the search's draws; 0 for the starting values (``starting_trial``)
    params: dict[str, float]

    @property
    def name(self) -> str:
        return f"trial_{self.number:04d}"


def plan_trials(method: str, budget: int, seed: int = 0, space: SearchSpace = SearchSpace()) -> list[Trial]:
    """The trials of a search. ``random``: ``budget`` uniform draws from ``seed`` (a larger budget extends the same
    list). ``grid``: ``k`` evenly spaced values per parameter, the largest ``k`` with ``k**3 <= budget``."""
    if method not in METHODS:
        raise InputError(f"unknown search method {method!r} (known: {', '.join(METHODS)})")
    if budget < 1:
        raise InputError(f"--budget {budget}: need at least one trial")
    if seed < 0:
        raise InputError(f"--seed {seed}: must be 0 or more")
    if budget > MAX_BUDGET:
        raise InputError(f"--budget {budget}: at most {MAX_BUDGET:,} trials (each one tracks the whole split)")
    ranges = space.ranges()
    if method == "random":
        rng = np.random.default_rng(seed)
        draws = ({k: float(rng.uniform(lo, hi)) for k, (lo, hi) in ranges.items()} for _ in range(budget))
    else:
        steps = max(1, int(math.floor(budget ** (1 / len(ranges)) + 1e-9)))
        axes = [np.linspace(lo, hi, steps) if steps > 1 else np.array([(lo + hi) / 2]) for lo, hi in ranges.values()]
        draws = (dict(zip(ranges, map(float, values))) for values in itertools.product(*axes))
    return [Trial(i, {k: round(v, 6) for k, v in params.items()}) for i, params in enumerate(draws, start=1)]


def starting_trial(track: TrackConfig) -> Trial:
    """Trial 0: the config's own TRACK values, scored first so the best trial is never worse than the start."""
    return Trial(0, {name: round(float(getattr(track, name)), 6) for name in SearchSpace().ranges()})


def read_log(path: Path) -> list[dict]:
    """The finished trials of a log in trial order (parallel trials finish, and are appended, in any order; ``[]``
    when there is none); a malformed line raises InputError naming it."""
    path = Path(path)
    if not path.is_file():
        return []
    records = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a trial log (not UTF-8 text); move it away to start a new search") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            int(record["trial"]), dict(record["params"]), record["score"]
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            raise InputError(f"{path}:{number}: not a trial record: {line[:60]!r}") from None
        records.append(record)
    return sorted(records, key=lambda r: int(r["trial"]))


def best_record(records: list[dict]) -> dict | None:
    """The record with the highest score (the lowest trial number among equals); NaN scores never win."""
    scored = [r for r in records if r["score"] is not None and math.isfinite(r["score"])]
    return max(scored, key=lambda r: (r["score"], -r["trial"])) if scored else None


@dataclass
class TuneSummary:
    trials: list[dict]  # every finished trial, in trial order
    new: int  # trials finished by this run
    best: dict | None
    out_dir: Path


def _check_log(records: list[dict], plan: list[Trial], log: Path) -> set[int]:
    planned = {t.number: t for t in plan}
    done = set()
    for record in records:
        trial = planned.get(int(record["trial"]))
        if trial is None:
            continue  # from a larger budget: kept, not re-run
        same = set(record["params"]) == set(trial.params) and all(
            abs(record["params"][k] - v) <= 1e-9 for k, v in trial.params.items())
        if not same:
            raise InputError(
                f"{log}: trial {record['trial']} was run with {record['params']}, this search plans {trial.params} "
                "(another seed, method, range or config?): use a new --out folder")
        done.add(trial.number)
    return done


def tune(
    benchmark: Benchmark,
    factory: Callable[..., SingleTargetTracker],
    out_dir: str | Path,
    base_config: SiamBANConfig,
    method: str = "random",
    budget: int = 20,
    seed: int = 0,
    space: SearchSpace = SearchSpace(),
    workers: int = 1,
    threads: int | None = None,
    options: RunOptions = RunOptions(),
    show_progress: bool = True,
) -> TuneSummary:
    """Run the trials of ``plan_trials(method, budget, seed, space)`` not yet in ``out_dir``'s log, each over every
    sequence of ``benchmark`` with ``factory(params)``; append each finished trial to the log; write the best preset.

    ``base_config`` is the experiment whose TRACK section the best parameters replace in ``best.yaml``; its own
    values run first as trial 0, so ``best.yaml`` never scores below the starting point.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / LOG_NAME
    plan = [starting_trial(base_config.track)] + plan_trials(method, budget, seed, space)
    records = read_log(log)
    done = _check_log(records, plan, log)
    todo = [t for t in plan if t.number not in done]
    results_dir = out_dir / "results"
    metric = OBJECTIVES[benchmark.protocol]
    names = [s.name for s in benchmark]

    jobs, remaining = [], {}
    for trial in todo:
        missing = [s for s in benchmark
                   if not is_finished(result_paths(benchmark, results_dir, trial.name, s, options.experiment)[0],
                                      len(s), benchmark.protocol)]
        jobs += [Job(seq, trial.name, trial.params) for seq in missing]
        remaining[trial.name] = len(missing)
    by_name = {t.name: t for t in todo}
    started = time.perf_counter()
    new: list[dict] = []

    def finish_trial(trial: Trial) -> None:
        scores = evaluate_benchmark(benchmark, results_dir, [trial.name], experiment=options.experiment)[0]
        record = {"trial": trial.number, "params": trial.params, "score": _number(scores.summary[metric]),
                  "metric": metric, "summary": {k: _number(v) for k, v in scores.summary.items()},
                  "dataset": benchmark.name, "sequences": names, "method": method, "seed": seed,
                  "seconds": round(time.perf_counter() - started, 3)}
        with open(log, "a") as f:
            f.write(json.dumps(record) + "\n")
        new.append(record)

    for trial in todo:
        if remaining[trial.name] == 0:  # every sequence written before an interruption: score it now
            finish_trial(trial)

    def on_done(job: Job, _out) -> None:
        remaining[job.tracker_name] -= 1
        if remaining[job.tracker_name] == 0:
            finish_trial(by_name[job.tracker_name])

    run_jobs(benchmark, factory, results_dir, jobs, on_done, workers, options, threads, show_progress,
             f"tune {benchmark.name}")
    records = read_log(log)
    best = best_record(records)
    if best is not None:
        write_best(out_dir, base_config, best)
    return TuneSummary(records, len(new), best, out_dir)


def _number(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def write_best(out_dir: Path, base_config: SiamBANConfig, best: Mapping) -> tuple[Path, Path]:
    """``best.yaml`` (the whole experiment with the best TRACK values) and ``best_track.yaml`` (its TRACK section)."""
    cfg = dataclasses.replace(base_config, track=with_track_overrides(base_config.track, best["params"]))
    header = (f"siamban tune: best of {LOG_NAME} (trial {best['trial']}, {best['metric']} {best['score']:.4f} "
              f"on {best['dataset']}: {', '.join(best['sequences'])})")
    full = Path(out_dir) / "best.yaml"
    save_config(cfg, full, header=header)
    section = Path(out_dir) / "best_track.yaml"
    track_yaml = yaml.safe_dump({"TRACK": config_to_dict(cfg)["TRACK"]}, sort_keys=False)
    write_text_atomic(section, f"# {header}\n{track_yaml}")
    return full, section


def iter_trials(records: list[dict]) -> Iterator[str]:
    """Table rows ``trial  penalty_k  window_influence  lr  score`` for printing."""
    for r in records:
        p = r["params"]
        score = "-" if r["score"] is None else f"{r['score']:.4f}"
        yield (f"{r['trial']:5d}  {p.get('penalty_k', float('nan')):9.4f}  "
               f"{p.get('window_influence', float('nan')):16.4f}  {p.get('lr', float('nan')):6.4f}  {score}")
