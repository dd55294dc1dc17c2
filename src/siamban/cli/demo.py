"""``siamban demo``: track the bundled sample clip with the bundled default model; write boxes and a video."""

from __future__ import annotations

import argparse

import numpy as np

from siamban.assets import sample_clip
from siamban.cli.common import (
    add_model_options,
    add_output_option,
    add_quiet_option,
    add_run_name_option,
    add_threads_option,
    check_threads,
    claim_run_dir,
    network_from_args,
    next_run_dir,
    save_run_record,
    threads_from_args,
)
from siamban.cli.track import track_to_files
from siamban.io.annotations import read_groundtruth, valid_boxes
from siamban.geometry import iou_xywh
from siamban.io import open_frames
from siamban.io.atomic import check_output_dir


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="track the bundled sample clip (default model unless --config/--weights)")
    add_output_option(p, "output folder (default: a new run folder runs/demo/exp, exp2, ... in the current folder, "
                      "see --name)")
    add_threads_option(p)
    add_quiet_option(p)
    add_run_name_option(p, "demo")
    add_model_options(p, backend=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = check_output_dir(args.output, "-o") if args.output is not None else next_run_dir("demo", args.name)
    check_threads(args.threads)
    clip = sample_clip()
    source = open_frames(str(clip.video))
    threads_from_args(args)
    network = network_from_args(args)
    tracker = network.tracker()
    if args.output is None:  # taken once the model has loaded
        out = claim_run_dir("demo", args.name)
        save_run_record(out, args, network.config)
    boxes_path, video_path = out / "sample_boxes.txt", out / "sample_tracked.mp4"
    summary = track_to_files(
        tracker, iter(source), clip.first_box(), boxes_path, video_path, source.fps, "sample", source.count,
        quiet=args.quiet,
    )
    truth = read_groundtruth(clip.groundtruth)[0][: len(summary.boxes)]
    present = valid_boxes(truth)
    overlaps = iou_xywh(np.asarray(summary.boxes, dtype=np.float64)[present], truth[present])
    print(f"{summary.describe()} -> {boxes_path}, {video_path}")
    print(f"mean overlap with the sample's ground truth: {float(np.mean(overlaps)):.3f} "
          f"({int(present.sum())} frames with the target in view)")
    return 0
