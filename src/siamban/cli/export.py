"""``siamban export onnx OUT_DIR``: write the network as ``template.onnx`` and ``track.onnx`` (with the model name, the
config, the input sizes and the siamban version in their metadata) and check them in ONNX Runtime against PyTorch.
``siamban track/demo/test/tune/vot --backend onnxruntime --weights OUT_DIR`` then runs them without exporting again."""

from __future__ import annotations

import argparse

from siamban.api import load_model
from siamban.cli.common import (
    add_config_option,
    add_output_folder,
    add_set_option,
    add_weights_option,
    model_from_args,
    output_folder,
)
from siamban.export import DEFAULT_OPSET, export_onnx, import_onnxruntime
from siamban.io.atomic import check_output_dir


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export the network for another runtime (ONNX)")
    formats = p.add_subparsers(dest="format", required=True, metavar="FORMAT")
    onnx = formats.add_parser("onnx", help="template.onnx (z -> kernels) and track.onnx (x, kernels -> cls, loc)")
    add_output_folder(onnx, "folder for template.onnx and track.onnx (created)")
    add_config_option(onnx, " (default: the default model)")
    add_weights_option(onnx, " (default: the default model's shipped weights)")
    add_set_option(onnx)
    onnx.add_argument("--opset", type=int, default=DEFAULT_OPSET, help="ONNX opset (default: %(default)s)")
    onnx.add_argument("--no-check", action="store_true", help="skip the ONNX Runtime vs PyTorch comparison")
    onnx.set_defaults(func=run_onnx)


def run_onnx(args: argparse.Namespace) -> int:
    out_dir, label = output_folder(args)
    check_output_dir(out_dir, label)  # before the export and its check, not after
    if not args.no_check:
        import_onnxruntime()  # the install hint before the export, not after it
    choice = model_from_args(args)
    cfg, model = load_model(choice.config, choice.weights)
    result = export_onnx(model, cfg, out_dir, opset=args.opset, check=not args.no_check)
    print(f"wrote {result.template_path} and {result.track_path} (opset {args.opset}, dynamic batch; config "
          f"{cfg.meta_arc} in their metadata)")
    print(result.check.describe() if result.check else "not checked (--no-check)")
    print(f"run them with: --backend onnxruntime --weights {out_dir}")
    return 0
