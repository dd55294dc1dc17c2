"""Options shared by the subcommands that build a tracker (track, test, tune, export, vot), the ``--set`` config
overrides, and the auto-numbered run folders (``runs/<command>/exp``, ``exp2``, ...)."""

from __future__ import annotations

import argparse
import itertools
import os
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from siamban.api import BACKENDS, LoadedNetwork, is_onnx_export, load_network, resolve_model
from siamban.config import SiamBANConfig, apply_config_overrides, resolve_config, save_config, with_tracker_preset
from siamban.errors import ConfigError, InputError
from siamban.inference import PRECISIONS, set_inference_threads
from siamban.io.atomic import check_folder_name, check_output_dir, write_error, write_text_atomic
from siamban.tracker import SiamBANTracker


#: Most torch threads a process may ask for: far more than any machine's cores (torch crashes on absurd counts).
MAX_THREADS = max(256, 4 * (os.cpu_count() or 1))


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
    add_set_option(group)


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=BACKENDS, default="torch",
                        help="run the network in PyTorch or in ONNX Runtime (CPU; needs siamban[onnx]) "
                        "(default: %(default)s)")


def threads_from_args(args: argparse.Namespace) -> int:
    """Set torch's thread count for tracking in this process: ``--threads`` when given (InputError below 1), else
    ``set_inference_threads``'s default (OMP_NUM_THREADS, else one per physical core other processes leave free)."""
    threads = check_threads(getattr(args, "threads", None))
    return set_inference_threads(threads)


def check_threads(threads: int | None) -> int | None:
    """``--threads`` as given, or InputError naming it when below 1."""
    if threads is not None and threads < 1:
        raise InputError(f"--threads {threads}: must be 1 or more")
    if threads is not None and threads > MAX_THREADS:
        raise InputError(f"--threads {threads}: at most {MAX_THREADS} (this machine has {os.cpu_count()} CPU cores)")
    return threads


def tracker_from_args(args: argparse.Namespace) -> SiamBANTracker:
    threads_from_args(args)
    return network_from_args(args).tracker()


def network_from_args(args: argparse.Namespace) -> LoadedNetwork:
    """The network the model options name (``--set`` applied), ready to track on ``--device``."""
    model = model_from_args(args)
    return load_network(
        model.config,
        model.weights,
        preset=model.preset,
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


# ----------------------------------------------------------------------------------------------------------------------
# --set KEY=VALUE


def add_set_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--set KEY=VALUE ...``: config values on the command line (``dest="overrides"``)."""
    parser.add_argument(
        "--set", dest="overrides", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
        help="config values, dotted YAML keys as in the config file, values read as YAML (e.g. --set "
        "TRACK.PENALTY_K=0.1 TRACK.LR=0.3); applied after the config and --preset",
    )


class ModelChoice(NamedTuple):
    """The model the options name: what ``create_tracker``/``resolve_model`` take, ``--set`` already applied."""

    config: str | Path | SiamBANConfig | None
    weights: str | Path | None
    preset: str | None


def model_from_args(args: argparse.Namespace) -> ModelChoice:
    """``--config``, ``--weights`` and ``--preset``; with ``--set`` items, the config loaded (the default model's
    when none is named) with the preset and then the items applied (ConfigError naming the key at fault)."""
    overrides = getattr(args, "overrides", None) or []
    preset = getattr(args, "preset", None)
    if not overrides:
        return ModelChoice(args.config, args.weights, preset)
    if getattr(args, "backend", "torch") == "onnxruntime" and args.config is None and is_onnx_export(args.weights):
        raise ConfigError("--set with an ONNX export needs --config (the config the graphs were exported from)")
    config, weights = resolve_model(args.config, args.weights)
    cfg = config if isinstance(config, SiamBANConfig) else resolve_config(config)
    if preset:
        cfg = with_tracker_preset(cfg, preset)
    return ModelChoice(apply_config_overrides(cfg, overrides), weights, None)


# ----------------------------------------------------------------------------------------------------------------------
# Run folders: runs/<command>/<name>, numbered so that no run overwrites another

#: Where the commands put their run folders when no output is given (relative to the working folder).
RUNS_DIR = Path("runs")


def add_run_name_option(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument(
        "--name", default="exp",
        help=f"run folder runs/{command}/NAME used when no output is given (NAME2, NAME3, ... when taken; the "
        "arguments and config are saved there as args.yaml and config.yaml) (default: %(default)s)",
    )


def _numbered(base: Path, name: str) -> Any:
    return (base / (name if n == 1 else f"{name}{n}") for n in itertools.count(1))


def next_run_dir(command: str, name: str = "exp", root: str | Path = RUNS_DIR) -> Path:
    """The first of ``root/command/NAME``, ``NAME2``, ``NAME3``, ... that does not exist, checked as an output
    folder (nothing is created: ``claim_run_dir`` does that when the work starts)."""
    check_folder_name(name, "--name")
    for path in _numbered(Path(root) / command, name):
        if not path.exists() and not path.is_symlink():
            return check_output_dir(path, "run folder")
    raise AssertionError("unreachable")  # pragma: no cover


def claim_run_dir(command: str, name: str = "exp", root: str | Path = RUNS_DIR) -> Path:
    """Create the next free run folder (``next_run_dir``) and return it: created exclusively, so two runs started
    together take two folders; OutputError when it cannot be created."""
    while True:
        path = next_run_dir(command, name, root)
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            continue  # another run took it between the look and the mkdir
        except OSError as exc:
            raise write_error(path, exc) from None
        return path


def latest_run_dir(command: str, name: str = "exp", root: str | Path = RUNS_DIR) -> Path | None:
    """The highest-numbered existing ``root/command/NAME*`` folder (``--resume auto`` without ``-o``), or None."""
    check_folder_name(name, "--name")
    latest = None
    for path in _numbered(Path(root) / command, name):
        if not path.is_dir():
            break
        latest = path
    return latest


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def save_run_record(run_dir: Path, args: argparse.Namespace, cfg: SiamBANConfig | None = None) -> None:
    """``args.yaml`` (the parsed command line) and, when there is a model, ``config.yaml`` (the resolved config)
    in ``run_dir``, written atomically."""
    record = {key: _plain(value) for key, value in vars(args).items() if key != "func"}
    write_text_atomic(run_dir / "args.yaml", yaml.safe_dump(record, sort_keys=True, width=120))
    if cfg is not None:
        command = getattr(args, "command", "")
        save_config(cfg, run_dir / "config.yaml", header=f"resolved configuration of this siamban {command} run")
