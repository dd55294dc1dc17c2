"""``siamban prepare DATASET RAW_DIR OUT_DIR``: convert a raw training-set release into the prepared layout."""

from __future__ import annotations

import argparse

from siamban.cli.common import add_output_folder, add_quiet_option, add_workers_option, output_folder
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
    add_output_folder(p, "output folder, e.g. training_dataset/vid")
    add_workers_option(p, " (default: number of CPU cores)", short=True)
    add_quiet_option(p, "--no-progress")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out_dir, label = output_folder(args)
    check_output_dir(out_dir, label)
    if args.workers is not None and args.workers < 1:
        raise InputError(f"-j/--workers {args.workers}: must be 1 or more")
    summary = prepare_dataset(
        args.dataset, args.raw_dir, out_dir, workers=args.workers, progress=not args.quiet
    )
    print("\n".join(summary.report()))
    return 0
