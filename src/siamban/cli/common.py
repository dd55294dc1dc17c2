"""Options shared by the subcommands that build a tracker (track, test, tune, export, vot)."""

from __future__ import annotations

import argparse

from siamban.api import BACKENDS, create_tracker
from siamban.errors import InputError
from siamban.inference import PRECISIONS, set_inference_threads
from siamban.tracker import SiamBANTracker


def add_model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model")
    group.add_argument(
        "--config",
        help="experiment: a bundled name or a config.yaml path (default: the bundled default model siamban_lite0, "
        "with its shipped weights)",
    )
    group.add_argument("--weights", help="checkpoint (.pth): an official model.pth or one siamban saved")
    group.add_argument("--preset", help="tracker hyper-parameters of a benchmark: vot2018, vot2019, otb100, default")
    group.add_argument("--device", help="cpu, cuda or cuda:N (default: cuda when present, else cpu)")
    group.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="fp32",
        help="network precision: fp32 (default), bf16 (about 2x faster on CPUs with AVX-512 BF16 or AMX), fp16 (CUDA)",
    )
    group.add_argument(
        "--no-optimize",
        dest="optimize",
        action="store_false",
        help="run the plain eager fp32 network (no batch-norm folding, packing or CUDA graph)",
    )


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=BACKENDS, default="torch",
                        help="run the network in PyTorch or in ONNX Runtime (CPU; needs siamban[onnx]) "
                        "(default: %(default)s)")


def tracker_from_args(args: argparse.Namespace) -> SiamBANTracker:
    set_inference_threads()
    return create_tracker(
        args.config,
        args.weights,
        preset=args.preset,
        device=args.device,
        precision=getattr(args, "precision", "fp32"),
        optimize=getattr(args, "optimize", True),
        backend=getattr(args, "backend", "torch"),
    )


def parse_box(text: str) -> tuple[float, float, float, float]:
    """Parse ``x,y,w,h`` into four floats, or raise InputError naming the text."""
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise InputError(f"--init {text!r}: expected four numbers x,y,w,h") from None
    if len(values) != 4:
        raise InputError(f"--init {text!r}: expected four numbers x,y,w,h, got {len(values)}")
    return values
