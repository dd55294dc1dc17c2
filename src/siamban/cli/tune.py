"""``siamban tune --dataset folders --dataset-root DIR --role val --weights model.pth --budget 50``: search TRACK
penalty_k, window_influence and lr on one split; resumable (re-running skips finished trials); writes the trial log
and the best preset (``best.yaml``, ``best_track.yaml``) under ``-o`` (``--out``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from siamban.evaluation.tune import LOG_NAME, METHODS, SearchSpace, iter_trials, tune
from siamban.cli.common import (
    add_model_options,
    add_output_option,
    add_quiet_option,
    add_threads_option,
    add_workers_option,
    check_threads,
    factory_from_args,
    threads_from_args,
)
from siamban.cli.run_benchmark import THREADS_DETAIL, WORKERS_DETAIL, benchmark_from_args
from siamban.api import resolve_device
from siamban.errors import InputError
from siamban.io.atomic import check_output_dir

#: Roles that mark report-only sequences: tuning on them is refused without --allow-test-split.
TEST_ROLES = ("heldout", "test")
#: Benchmarks whose sequences are test data (the toolkits' own practice tunes on them: allowed, with a warning).
TEST_BENCHMARKS = ("OTB100", "OTB2013", "VOT2016", "VOT2017", "VOT2018", "VOT2019", "UAV123", "UAV20L", "NFS30",
                   "NFS240", "LaSOT", "GOT-10k")


def _range(text: str) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected LOW:HIGH, e.g. 0.05:0.6") from None
    return low, high


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tune", help="search tracker hyper-parameters (penalty_k, window_influence, lr) on a split")
    p.add_argument("--dataset", required=True, help="benchmark name (e.g. shared, GOT-10k-val, OTB100)")
    p.add_argument("--dataset-root", required=True, help="folder holding the benchmark in its official layout")
    p.add_argument("--role", nargs="+", metavar="ROLE", help="only sequences with these index.json roles (e.g. val)")
    p.add_argument("--sequences", nargs="+", metavar="NAME", help="only these sequences")
    add_output_option(p, "output folder: trials.jsonl, results/, best.yaml", "--out", required=True)
    p.add_argument("--method", choices=METHODS, default="random", help="search method (default: %(default)s)")
    p.add_argument("--budget", type=int, default=20,
                   help="number of trials (grid: k**3 <= budget) (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random-search seed (default: %(default)s)")
    defaults = SearchSpace()
    for name, (low, high) in defaults.ranges().items():
        p.add_argument(f"--{name.replace('_', '-')}", type=_range, default=(low, high), metavar="LOW:HIGH",
                       help=f"range of TRACK.{name.upper()} (default: {low}:{high})")
    add_workers_option(p, WORKERS_DETAIL, default=1)
    add_threads_option(p, THREADS_DETAIL)
    p.add_argument("--allow-test-split", action="store_true",
                   help="allow tuning on sequences whose role is heldout/test (inflates any result reported on them)")
    add_quiet_option(p)
    add_model_options(p, backend=True)
    p.set_defaults(func=run, experiment="baseline")


def run(args: argparse.Namespace) -> int:
    check_output_dir(args.output, "-o")
    check_threads(args.threads)
    resolve_device(args.device)
    factory, _ = factory_from_args(args)
    benchmark = benchmark_from_args(args)
    roles = sorted({s.meta["role"] for s in benchmark if s.meta.get("role") in TEST_ROLES})
    if roles and not args.allow_test_split:
        raise InputError(f"{args.dataset_root}: refusing to tune on {' and '.join(roles)} sequences (they are for the "
                         "final report only); pick --role val, or pass --allow-test-split")
    if roles or benchmark.name in TEST_BENCHMARKS:
        print(f"siamban tune: warning: tuning on {benchmark.name} test sequences inflates any result reported on "
              "them (docs/tuning.md)", file=sys.stderr)
    space = SearchSpace(args.penalty_k, args.window_influence, args.lr)
    if args.workers <= 1:  # trials run in this process: the runner sets threads in worker processes only
        threads_from_args(args)
    summary = tune(benchmark, factory, args.output, factory.resolved_config(), args.method, args.budget, args.seed,
                   space, args.workers, args.threads, show_progress=not args.quiet)
    print(f"{benchmark.name}: {len(benchmark)} sequences, {summary.new} new trials, {len(summary.trials)} in "
          f"{Path(args.output) / LOG_NAME}")
    print("trial  penalty_k  window_influence      lr  score")
    for row in iter_trials(summary.trials):
        print(row)
    if summary.best is not None:
        best = summary.best
        best_path = Path(args.output) / "best.yaml"
        print(f"best: trial {best['trial']} ({best['metric']} {best['score']:.4f}) -> {best_path}")
    return 0
