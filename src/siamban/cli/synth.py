"""``siamban synth OUT_DIR --count N``: write generated tracking sequences with exact boxes, in the OTB layout that
``siamban test --dataset OTB100 --dataset-root OUT_DIR`` (and ``--dataset folders``, and training) read."""

from __future__ import annotations

import argparse
from dataclasses import fields

from siamban.cli.common import add_output_folder, add_quiet_option, output_folder
from siamban.data.synthetic import SyntheticConfig, image_paths, write_otb_sequences
from siamban.errors import InputError
from siamban.io.atomic import check_folder_name, check_output_dir

#: SyntheticConfig fields settable from the command line (ints and floats; the rest keep their defaults).
#: Largest frame side and area: a frame is held in memory several times over while it is drawn (100000 x 100000
#: would ask for tens of GB); 8192 px and 4096 x 4096 px cover every tracking benchmark's frames.
MAX_SIDE = 8192
MAX_PIXELS = 4096 * 4096

_OPTIONS = ("width", "height", "length", "max_speed", "max_rotation", "distractors", "occlusions", "full_occlusions",
            "exits", "noise", "illumination")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("synth", help="generate tracking sequences with exact boxes (OTB layout) for training or tests")
    add_output_folder(p, "folder to write OUT_DIR/PREFIX_SEED/img/*.jpg + groundtruth_rect.txt into (readable as "
                      "--dataset OTB100 --dataset-root OUT_DIR)")
    p.add_argument("--count", type=int, default=10, help="number of sequences (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="first seed; sequence i uses seed + i (default: %(default)s)")
    p.add_argument("--prefix", default="synthetic", help="sequence name prefix (default: %(default)s)")
    p.add_argument("--image-dir", default="", help="extra photographs to cut objects and backgrounds from")
    p.add_argument("--photographs", action="store_true", help="cut objects and backgrounds from scikit-image's "
                   "public-domain sample photographs instead of generated textures (needs scikit-image: pip install "
                   "'siamban[train]')")
    defaults = SyntheticConfig()
    kinds = {f.name: f.type for f in fields(SyntheticConfig)}
    for name in _OPTIONS:
        value = getattr(defaults, name)
        p.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value,
                       help=f"{kinds[name]} (default: %(default)s)")
    low, high = defaults.target_area
    p.add_argument("--target-area-min", type=float, default=low, help="smallest first-frame box area, fraction of "
                   "the frame (default: %(default)s)")
    p.add_argument("--target-area-max", type=float, default=high, help="largest (default: %(default)s)")
    add_quiet_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if max(args.width, args.height) > MAX_SIDE or args.width * args.height > MAX_PIXELS:
        raise InputError(f"--width {args.width} --height {args.height}: frames are limited to {MAX_SIDE} px a side "
                         f"and {MAX_PIXELS // 1_000_000} megapixels (4096x4096) so a sequence fits in memory")
    if args.count < 1:
        raise InputError(f"--count {args.count}: must be at least 1")
    if args.seed < 0:
        raise InputError(f"--seed {args.seed}: must be 0 or more (sequence i uses seed + i)")
    check_folder_name(f"{args.prefix}_{args.seed:06d}", "--prefix")
    output, label = output_folder(args)
    check_output_dir(output, label)
    config = SyntheticConfig(
        image_dir=args.image_dir,
        photographs=args.photographs,
        target_area=(args.target_area_min, args.target_area_max),
        **{name: getattr(args, name) for name in _OPTIONS},
    )
    image_paths(config)  # a missing scikit-image or --image-dir is one line before any frame is drawn
    written = write_otb_sequences(output, range(args.seed, args.seed + args.count), config, args.prefix,
                                  progress=not args.quiet)
    print(f"{len(written)} sequences in {output}")
    return 0
