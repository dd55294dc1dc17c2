"""``siamban prepare DATASET RAW_DIR OUT_DIR``: convert a raw training-set release into the prepared layout."""

from __future__ import annotations

import argparse

from siamban.data.prepare import prepare_dataset
from siamban.data.raw import RAW_FORMATS
from siamban.errors import InputError
from siamban.io.atomic import check_output_dir


def add_parser(sub: argparse._SubParsersAction) -> None:
    layouts = "\n".join(f"  {name}: {fmt.layout}" for name, fmt in RAW_FORMATS.items())
    p = sub.add_parser(
        "prepare",
        help="crop a raw training set (VID, DET, COCO, YOUTUBEBB, GOT10K, LASOT) into crop511/ + index JSON",
        description="Write OUT_DIR/crop511/<video>/<frame>.<track>.x.jpg and OUT_DIR/<split>.json, the layout "
        "the official training code reads. Re-running skips finished work. Expected raw layouts:\n" + layouts,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dataset", metavar="DATASET", help=", ".join(RAW_FORMATS) + " (case-insensitive)")
    p.add_argument("raw_dir", metavar="RAW_DIR", help="root of the raw release")
    p.add_argument("out_dir", metavar="OUT_DIR", help="output folder, e.g. training_dataset/vid")
    p.add_argument("-j", "--workers", type=int, help="parallel processes (default: number of CPU cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_output_dir(args.out_dir, "OUT_DIR")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"-j/--workers {args.workers}: must be 1 or more")
    summary = prepare_dataset(
        args.dataset, args.raw_dir, args.out_dir, workers=args.workers, progress=not args.no_progress
    )
    print("\n".join(summary.report()))
    return 0
