"""``siamban track INPUT --init x,y,w,h``: follow an object through a video, folder of images or webcam."""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

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
    parse_box,
    save_run_record,
    threads_from_args,
)
from siamban.errors import InputError, OutputError
from siamban.geometry import check_box_xywh
from siamban.io import AnnotatedVideoWriter, BoxWriter, draw_box, open_frames
from siamban.io.atomic import check_not_input, check_output_file
from siamban.io.viewer import Viewer, display_available
from siamban.io.writers import VIDEO_SUFFIXES
from siamban.progress import progress_bar
from siamban.tracker.sequence import SingleTargetTracker, track_frames


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("track", help="track an object in a video, image folder/glob or webcam")
    p.add_argument("input", help="video file, image folder, glob such as 'frames/*.jpg', or webcam index")
    p.add_argument("--init", help="first box x,y,w,h in pixels (0-based); with --show and no --init, draw it")
    p.add_argument(
        "--start-frame",
        type=int,
        default=0,
        help="0-based frame the --init box belongs to; tracking (and the box file) starts there (default 0)",
    )
    add_output_option(p, "box file, one x,y,w,h,score line per frame (default: runs/track/exp/INPUT_boxes.txt, a new "
                      "numbered run folder each time, see --name)")
    p.add_argument("--video", help="also write an annotated video here, boxes and frame index drawn (.mp4, .mkv, "
                   ".mov: H.264 that browsers play; .avi: Motion JPEG)")
    p.add_argument("--show", action="store_true", help="display the tracking live (Esc or q stops)")
    add_threads_option(p)
    add_quiet_option(p)
    add_run_name_option(p, "track")
    add_model_options(p, backend=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.init is None and not args.show:
        # drawing the box needs a window: only suggest it where one can open
        draw = "or --show to draw it" if display_available() else "there is no display here to draw it on"
        raise InputError(f"no first box: give --init x,y,w,h ({draw})")
    init_box = parse_box(args.init) if args.init is not None else None  # "--init=" is an error, not "draw it"
    if args.start_frame < 0:
        raise InputError(f"--start-frame {args.start_frame}: must be 0 or more")
    check_threads(args.threads)
    source = open_frames(args.input)
    if source.count is not None and args.start_frame >= source.count:
        raise InputError(f"--start-frame {args.start_frame}: {args.input} has no frame {args.start_frame} (it has "
                         f"{source.count} frames, 0 to {source.count - 1})")
    box_name = f"{source.name}_boxes.txt"
    output = check_output_file(next_run_dir("track", args.name) / box_name if args.output is None else args.output,
                               "-o")
    check_not_input(output, source.files(), "-o")  # every output before any work
    if args.video:
        check_output_file(args.video, "--video", VIDEO_SUFFIXES)
        check_not_input(args.video, source.files(), "--video")
        if Path(args.video).resolve() == output.resolve():
            raise InputError(f"--video {args.video}: the same file as the box file -o")
    threads_from_args(args)
    network = network_from_args(args)
    tracker = network.tracker()

    viewer = None
    if args.show:
        viewer = Viewer(f"siamban - {source.name}")
    frames = iter(source)
    for _ in range(args.start_frame):
        next(frames, None)
    first = next(frames, None)
    if first is None:
        raise InputError(f"{args.input}: has no frame {args.start_frame} to start from")
    if init_box is None:
        assert viewer is not None  # no --init means --show (checked above)
        init_box = viewer.select_box(first)
    check_box_xywh(init_box, first.shape)  # before any output file is opened
    if args.output is None:  # the run folder is taken now that every input is checked
        run_dir = claim_run_dir("track", args.name)
        output = run_dir / box_name
        save_run_record(run_dir, args, network.config)

    def all_frames():
        yield first
        yield from frames

    total = source.count - args.start_frame if source.count else None
    summary = track_to_files(
        tracker, all_frames(), init_box, output, args.video, source.fps, source.name, total, viewer, args.start_frame,
        quiet=args.quiet,
    )
    start = f" from frame {args.start_frame}" if args.start_frame else ""
    print(f"{summary.describe()}{start} -> {output}" + (f", {args.video}" if args.video else ""))
    return 0


@dataclass
class TrackingSummary:
    """What ``track_to_files`` did: the boxes written, frames the target was lost in, and the time it took."""

    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    lost: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        n = len(self.boxes)
        text = f"{n} frames at {n / self.seconds:.1f} frames/s" if self.seconds > 0 else f"{n} frames"
        return text + (f" (target lost in {self.lost} frames)" if self.lost else "")


def track_to_files(
    tracker: SingleTargetTracker,
    frames: Iterable[np.ndarray],
    init_box: Sequence[float],
    boxes_path: str | Path,
    video_path: str | Path | None = None,
    fps: float = 30.0,
    name: str = "",
    total: int | None = None,
    viewer: Any = None,
    first_index: int = 0,
    quiet: bool = False,
) -> TrackingSummary:
    """Track ``frames`` from ``init_box``, writing one ``x,y,w,h,score`` line per frame to ``boxes_path`` and, when
    asked, an annotated video (green box and score; red "lost" box; the frame index, counted from ``first_index``,
    in the corner) and a live view; a progress bar shows frames/s (none when ``quiet``).
    Both files are written atomically: stopped early (Ctrl-C, a bad frame) they hold the frames tracked so far;
    when writing fails (a full disk) neither replaces what was there before."""
    summary = TrackingSummary()
    video = None
    progress = progress_bar(total=total, unit="frame", desc=name, disable=quiet)
    began = time.perf_counter()
    try:
        with BoxWriter(boxes_path) as boxes:
            for index, frame, result in track_frames(tracker, frames, init_box):
                boxes.write(result.box, result.score)
                x, y, w, h = result.box
                summary.boxes.append((x, y, w, h))
                summary.lost += result.lost
                progress.update(1)
                if video_path or viewer:
                    color, label = ((0, 0, 255), "lost") if result.lost else ((0, 255, 0), f"{result.score:.2f}")
                    canvas = draw_box(frame.copy(), result.box, color=color, label=label)
                    if video_path:
                        if video is None:
                            video = AnnotatedVideoWriter(video_path, fps, (frame.shape[1], frame.shape[0]))
                        video.write(canvas, first_index + index)
                    if viewer and not viewer.show(canvas):
                        break
    except BaseException as exc:
        if video is not None and not isinstance(exc, (OutputError, OSError)):
            try:
                video.close()  # the frames tracked so far, as the box file keeps them
            except OutputError:
                pass  # the error that stopped tracking is the one to report
        elif video is not None:
            video.discard()
        raise
    finally:
        summary.seconds = time.perf_counter() - began
        progress.close()
        if viewer is not None:
            viewer.close()
    if video is not None:
        video.close()
    return summary
