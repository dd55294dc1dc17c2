"""``siamban test --dataset OTB100 --dataset-root DIR --weights model.pth``: run a tracker over a benchmark and write
result files in pysot-toolkit's layout (resumable; sequences in parallel worker processes).

``--dataset shared --dataset-root shared/data/sequences --role val`` runs one split of a folder of sequences with an
``index.json``; ``--opencv csrt`` runs OpenCV's CSRT (or KCF, MIL) instead of SiamBAN, for comparison tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from siamban.api import resolve_device, resolve_model
from siamban.benchmarks import RunOptions, load_benchmark, run_benchmark
from siamban.benchmarks.datasets import LOADERS
from siamban.benchmarks.results import check_submission, make_submission
from siamban.benchmarks.runners import BatchedFactory
from siamban.benchmarks.trackers import OpenCVFactory, SiamBANFactory
from siamban.cli.common import add_model_options
from siamban.errors import InputError
from siamban.io.atomic import check_output_dir


def add_dataset_options(p: argparse.ArgumentParser) -> None:
    """--dataset, --dataset-root, --results-dir, --sequences, --role, --experiment (shared by test, eval, tune)."""
    p.add_argument("--dataset", required=True, help=f"benchmark: {', '.join(LOADERS)}")
    p.add_argument("--dataset-root", required=True, help="folder holding the benchmark in its official layout")
    p.add_argument("--results-dir", default="results", help="results root (default: %(default)s)")
    p.add_argument("--sequences", nargs="+", metavar="NAME", help="only these sequences")
    p.add_argument("--role", nargs="+", metavar="ROLE",
                   help="only sequences with these roles in the dataset's index.json (train, val, heldout)")
    p.add_argument("--experiment", choices=("baseline", "realtime"), default="baseline",
                   help="VOT experiment: baseline (supervised) or realtime (VOT2019 real-time) (default: %(default)s)")


def benchmark_from_args(args: argparse.Namespace):
    return load_benchmark(args.dataset, args.dataset_root, names=args.sequences, roles=args.role)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("test", help="run a tracker over a benchmark and write result files")
    add_dataset_options(p)
    p.add_argument("--tracker-name", help="results folder name (default: the weights file's stem, or opencv-KIND)")
    p.add_argument("--workers", type=int, default=1, help="parallel worker processes (default: %(default)s)")
    p.add_argument("--threads", type=int, help="torch threads per worker (default: CPU cores / workers)")
    p.add_argument("--fps", type=float, default=20.0, help="real-time experiment frame rate (default: %(default)s)")
    p.add_argument("--batch", type=int, default=0, metavar="N",
                   help="track N sequences at once in one network batch (one-pass benchmarks; best on a GPU)")
    p.add_argument("--opencv", choices=("csrt", "kcf", "mil"), help="run this OpenCV tracker instead of SiamBAN")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_model_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_output_dir(args.results_dir, "--results-dir")  # before minutes of tracking, not after
    if args.experiment == "realtime" and not (0 < args.fps < float("inf")):
        raise InputError(f"--fps {args.fps:g}: the real-time frame rate must be a positive number")
    if not args.opencv:
        resolve_device(args.device)
    factory: OpenCVFactory | SiamBANFactory
    if args.opencv:
        factory, name = OpenCVFactory(args.opencv), f"opencv-{args.opencv}"
    else:
        config, weights = resolve_model(args.config, args.weights)
        factory = SiamBANFactory(config, weights, args.preset, args.device, args.precision, args.optimize)
        name = Path(weights).stem
    benchmark = benchmark_from_args(args)
    name = args.tracker_name or name
    options = RunOptions(experiment=args.experiment, fps=args.fps)
    batch = None
    if args.batch > 0:
        if not isinstance(factory, SiamBANFactory):  # --opencv
            raise InputError("--batch runs SiamBAN only (OpenCV trackers run one at a time)")
        batch = BatchedFactory(factory, args.batch)
    summary = run_benchmark(benchmark, factory, args.results_dir, name, workers=args.workers, options=options,
                            threads=args.threads, batch_factory=batch, show_progress=not args.quiet)
    where = Path(args.results_dir) / benchmark.name / name
    line = f"{benchmark.name}: {len(summary.done)} sequences run, {len(summary.skipped)} already done -> {where}"
    if summary.frames:
        line += f" ({summary.frames} frames, {summary.fps:.1f} fps per worker"
        line += f", {summary.failures} failures)" if benchmark.protocol == "vot" else ")"
    print(line)
    if benchmark.protocol == "got10k" and args.sequences is None and not benchmark.sequences[0].visible[1:].any():
        problems, _ = check_submission(where, benchmark)  # the test split: pack it for the evaluation server
        if problems:
            print(f"{where}: not a valid submission: {problems[0]}")
            return 1
        print(f"submission: {make_submission(where)} (checked: {len(benchmark)} sequences)")
    return 0
