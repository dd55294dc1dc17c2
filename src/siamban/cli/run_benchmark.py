"""``siamban test --dataset OTB100 --dataset-root DIR --weights model.pth``: run a tracker over a benchmark and write
result files in pysot-toolkit's layout (resumable; sequences in parallel worker processes).

``--dataset folders --dataset-root shared/data/sequences --role val`` runs one split of a folder of sequences with an
``index.json``; ``--opencv csrt`` runs OpenCV's CSRT (or KCF, MIL) instead of SiamBAN, for comparison tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from siamban.api import resolve_device
from siamban.evaluation import RunOptions, load_benchmark, run_benchmark
from siamban.evaluation.datasets import LOADERS
from siamban.evaluation.results import check_submission, make_submission
from siamban.evaluation.runners import BatchedFactory
from siamban.evaluation.trackers import OpenCVFactory, SiamBANFactory
from siamban.cli.common import (
    add_model_options,
    add_output_option,
    add_quiet_option,
    add_run_name_option,
    add_threads_option,
    add_workers_option,
    check_threads,
    claim_run_dir,
    factory_from_args,
    next_run_dir,
    save_run_record,
    threads_from_args,
)
from siamban.errors import InputError
from siamban.io.atomic import check_folder_name, check_output_dir


def add_dataset_options(p: argparse.ArgumentParser, results_dir: str | None = "results") -> None:
    """--dataset, --dataset-root, -o/--output (alias --results-dir; ``dest="results_dir"``, the name args.yaml
    records), --sequences, --role, --experiment; ``results_dir`` None: no default folder (``test`` then writes into
    a new run folder)."""
    p.add_argument("--dataset", required=True, help=f"benchmark: {', '.join(LOADERS)}")
    p.add_argument("--dataset-root", required=True, help="folder holding the benchmark in its official layout")
    if results_dir is None:
        add_output_option(p, "results root, resumed when it holds results of an earlier run (default: a new run "
                          "folder runs/test/exp, exp2, ..., see --name)", "--results-dir", dest="results_dir")
    else:
        add_output_option(p, "results root (default: %(default)s)", "--results-dir", dest="results_dir",
                          default=results_dir)
    p.add_argument("--sequences", nargs="+", metavar="NAME", help="only these sequences")
    p.add_argument("--role", nargs="+", metavar="ROLE",
                   help="only sequences with these roles in the dataset's index.json (train, val, heldout)")
    p.add_argument("--experiment", choices=("baseline", "realtime"), default="baseline",
                   help="VOT experiment: baseline (supervised) or realtime (VOT2019 real-time) (default: %(default)s)")


#: ``--workers`` and ``--threads`` of the commands that run sequences in worker processes (test, tune).
WORKERS_DETAIL = ", each tracking whole sequences (default: %(default)s)"
THREADS_DETAIL = (" (default with one worker: OMP_NUM_THREADS, else one per physical core left free by other "
                  "processes; with more: CPU cores / workers)")


def benchmark_from_args(args: argparse.Namespace):
    return load_benchmark(args.dataset, args.dataset_root, names=args.sequences, roles=args.role)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("test", help="run a tracker over a benchmark and write result files")
    add_dataset_options(p, results_dir=None)
    add_run_name_option(p, "test")
    p.add_argument("--tracker-name", help="results folder name (default: the weights file's stem or the ONNX export's "
                   "folder name, -onnxruntime appended with that backend; opencv-KIND with --opencv)")
    add_workers_option(p, WORKERS_DETAIL, default=1)
    add_threads_option(p, THREADS_DETAIL)
    p.add_argument("--fps", type=float, default=20.0, help="real-time experiment frame rate (default: %(default)s)")
    p.add_argument("--batch", type=int, default=0, metavar="N",
                   help="track N sequences at once in one network batch (one-pass benchmarks; best on a GPU)")
    p.add_argument("--opencv", choices=("csrt", "kcf", "mil"), help="run this OpenCV tracker instead of SiamBAN")
    add_quiet_option(p)
    add_model_options(p, backend=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.results_dir is not None:
        check_output_dir(args.results_dir, "-o")  # before minutes of tracking, not after
    else:
        next_run_dir("test", args.name)  # checked now; taken once every input is checked
    check_threads(args.threads)
    if args.experiment == "realtime" and not (0 < args.fps < float("inf")):
        raise InputError(f"--fps {args.fps:g}: the real-time frame rate must be a positive number")
    if not args.opencv:
        resolve_device(args.device)
    factory: OpenCVFactory | SiamBANFactory
    if args.opencv:
        factory, name = OpenCVFactory(args.opencv), f"opencv-{args.opencv}"
    else:
        factory, name = factory_from_args(args)
    benchmark = benchmark_from_args(args)
    name = check_folder_name(args.tracker_name, "--tracker-name") if args.tracker_name is not None else name
    options = RunOptions(experiment=args.experiment, fps=args.fps)
    batch = None
    if args.batch > 0:
        if not isinstance(factory, SiamBANFactory):  # --opencv
            raise InputError("--batch runs SiamBAN only (OpenCV trackers run one at a time)")
        batch = BatchedFactory(factory, args.batch)
    if args.results_dir is None:
        run_dir = claim_run_dir("test", args.name)
        args.results_dir = str(run_dir)
        save_run_record(run_dir, args, factory.resolved_config() if isinstance(factory, SiamBANFactory) else None)
    if args.workers <= 1:  # tracking runs in this process: the runner sets threads in worker processes only
        threads_from_args(args)
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
