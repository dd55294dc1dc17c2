"""``siamban test --dataset OTB100 --dataset-root DIR --weights model.pth``: run a tracker over a benchmark and write
result files in pysot-toolkit's layout (resumable; sequences in parallel worker processes)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from siamban.api import create_tracker
from siamban.benchmarks import RunOptions, load_benchmark, run_benchmark
from siamban.benchmarks.datasets import LOADERS
from siamban.cli.common import add_model_options
from siamban.errors import CheckpointError
from siamban.tracker import SiamBANTracker


@dataclass(frozen=True)
class SiamBANFactory:
    """Builds a SiamBAN tracker; picklable so each worker process builds its own."""

    config: str
    weights: str
    preset: str | None = None
    device: str | None = None

    def __call__(self) -> SiamBANTracker:
        return create_tracker(self.config, self.weights, preset=self.preset, device=self.device)


def add_dataset_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", required=True, help=f"benchmark: {', '.join(LOADERS)}")
    p.add_argument("--dataset-root", required=True, help="folder holding the benchmark in its official layout")
    p.add_argument("--results-dir", default="results", help="results root (default: %(default)s)")
    p.add_argument("--sequences", nargs="+", metavar="NAME", help="only these sequences")
    p.add_argument("--experiment", choices=("baseline", "realtime"), default="baseline",
                   help="VOT experiment: baseline (supervised) or realtime (VOT2019 real-time) (default: %(default)s)")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("test", help="run a tracker over a benchmark and write result files")
    add_dataset_options(p)
    p.add_argument("--tracker-name", help="results folder name (default: the weights file's stem)")
    p.add_argument("--workers", type=int, default=1, help="parallel worker processes (default: %(default)s)")
    p.add_argument("--threads", type=int, help="torch threads per worker (default: CPU cores / workers)")
    p.add_argument("--fps", type=float, default=20.0, help="real-time experiment frame rate (default: %(default)s)")
    add_model_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.weights:
        raise CheckpointError("no weights given: pass --weights model.pth")
    benchmark = load_benchmark(args.dataset, args.dataset_root, names=args.sequences)
    name = args.tracker_name or Path(args.weights).stem
    factory = SiamBANFactory(args.config, args.weights, args.preset, args.device)
    options = RunOptions(experiment=args.experiment, fps=args.fps)
    summary = run_benchmark(benchmark, factory, args.results_dir, name, workers=args.workers, options=options,
                            threads=args.threads)
    where = Path(args.results_dir) / benchmark.name / name
    line = f"{benchmark.name}: {len(summary.done)} sequences run, {len(summary.skipped)} already done -> {where}"
    if summary.frames:
        line += f" ({summary.frames} frames, {summary.fps:.1f} fps per worker"
        line += f", {summary.failures} failures)" if benchmark.protocol == "vot" else ")"
    print(line)
    return 0
