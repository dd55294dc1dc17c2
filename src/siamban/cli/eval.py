"""``siamban eval --dataset OTB100 --dataset-root DIR --results-dir results``: score every tracker's result folder,
print the comparison table, write plots and a Markdown/JSON summary; ``--check-submission`` validates a GOT-10k
upload."""

from __future__ import annotations

import argparse
from pathlib import Path

from siamban.cli.common import add_output_option
from siamban.evaluation import check_submission, evaluate_benchmark, load_benchmark, write_report
from siamban.evaluation.datasets import LOADERS
from siamban.evaluation.report import display_names, markdown_table
from siamban.errors import InputError
from siamban.io.archive import check_zip_sizes
from siamban.io.atomic import check_output_dir


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="score result files of one or more trackers on a benchmark")
    p.add_argument("--dataset", help=f"benchmark: {', '.join(LOADERS)}")
    p.add_argument("--dataset-root", help="folder holding the benchmark in its official layout")
    p.add_argument("--results-dir", default="results",
                   help="results root to score: what siamban test -o wrote (default: %(default)s)")
    p.add_argument("--trackers", nargs="+", metavar="NAME", help="tracker folders to compare (default: all)")
    p.add_argument("--sequences", nargs="+", metavar="NAME", help="only these sequences")
    p.add_argument("--role", nargs="+", metavar="ROLE",
                   help="only sequences with these roles in the dataset's index.json (train, val, heldout)")
    add_output_option(p, "report folder: write summary.md, summary.json and plots (PNG, PDF and SVG) here (default: "
                      "print the table only)", "--report-dir")
    p.add_argument("--title", help="heading of every plot, above the plot's kind and sequence count "
                   "(default: the plot's kind on the dataset)")
    p.add_argument("--names", nargs="+", metavar="NAME=LABEL", default=[],
                   help="display names in the table and plots, e.g. --names run_a='SiamBAN (ours)' run_b=Baseline")
    p.add_argument("--toolkit", choices=("pysot", "got10k"), default="pysot",
                   help="one-pass metric conventions (default: %(default)s, which made the paper's tables)")
    p.add_argument("--experiment", choices=("baseline", "realtime"), default="baseline",
                   help="VOT experiment to score (default: %(default)s)")
    p.add_argument("--check-submission", metavar="PATH",
                   help="validate a GOT-10k submission folder or zip "
                        "(with --dataset/--dataset-root: against the split)")
    p.set_defaults(func=run)


def _check(args: argparse.Namespace) -> int:
    benchmark = None
    if args.dataset_root:
        benchmark = load_benchmark(args.dataset or "GOT-10k", args.dataset_root)
    path = Path(args.check_submission)
    if not path.exists():
        raise InputError(f"{path}: no such folder or zip")
    if path.is_file():
        check_zip_sizes(path)  # a zip bomb is refused before any member is decompressed into memory
    problems, count = check_submission(path, benchmark)
    for problem in problems:
        print(f"{path}: {problem}")
    if problems:
        print(f"{path}: {len(problems)} problem(s) in {count} sequences: the server would ignore or misread them")
        return 1
    against = f" against {benchmark.name} ({len(benchmark)} sequences)" if benchmark is not None else ""
    print(f"{path}: OK, {count} sequences{against}")
    return 0


def parse_names(items: list[str]) -> dict[str, str]:
    """``--names`` items ``NAME=LABEL`` as {tracker folder: display name}; InputError names the faulty item."""
    names: dict[str, str] = {}
    for item in items:
        name, sep, label = item.partition("=")
        name, label = name.strip(), label.strip()
        if not sep or not name or not label:
            raise InputError(f"--names {item!r}: expected NAME=LABEL (tracker folder = display name)")
        if name in names:
            raise InputError(f"--names {name}: given twice")
        names[name] = label
    return names


def run(args: argparse.Namespace) -> int:
    if args.check_submission:
        return _check(args)
    if not args.dataset or not args.dataset_root:
        raise InputError("give --dataset and --dataset-root (or --check-submission PATH)")
    title = args.title
    if title is not None and not title.strip():
        raise InputError("--title: empty (leave the option out for the default titles)")
    names = parse_names(args.names)
    if args.trackers:
        unknown = sorted(set(names) - set(args.trackers))
        if unknown:
            raise InputError(f"--names {unknown[0]}: not among --trackers ({', '.join(args.trackers)})")
    if args.output:
        check_output_dir(args.output, "-o")
    benchmark = load_benchmark(args.dataset, args.dataset_root, names=args.sequences, roles=args.role)
    scores = evaluate_benchmark(benchmark, args.results_dir, args.trackers, args.toolkit, args.experiment)
    evaluator = f"siamban eval ({args.toolkit} conventions"
    evaluator += ", VOT region overlap as pysot-toolkit)" if benchmark.protocol == "vot" else ")"
    labels = display_names(scores, names)  # before anything is printed or written
    print(markdown_table(benchmark.name, scores, evaluator, labels), end="")
    if args.output:
        written = write_report(args.output, benchmark.name, scores, evaluator, title=title, names=labels,
                               sequences=len(benchmark))
        print(f"report: {len(written)} files in {args.output}")
    return 0
