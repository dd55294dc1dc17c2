"""Options shared by the subcommands (one spelling and one meaning each, listed in docs/cli.md): the model options
of the commands that build a tracker (track, demo, test, tune, vot), ``--set`` config overrides, ``-o/--output``,
``--workers``, ``--threads``, ``--quiet``, ``--backend``; and the auto-numbered run folders (``runs/<command>/exp``,
``exp2``, ...)."""

from __future__ import annotations

import argparse
import itertools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml

from siamban.api import BACKENDS, LoadedNetwork, is_onnx_export, load_network, resolve_model
from siamban.config import SiamBANConfig, apply_config_overrides, resolve_config, save_config, with_tracker_preset
from siamban.errors import ConfigError, InputError
from siamban.inference import PRECISIONS, Precision, set_inference_threads
from siamban.io.atomic import check_folder_name, check_output_dir, write_error, write_text_atomic
from siamban.tracker import SiamBANTracker

if TYPE_CHECKING:
    from siamban.evaluation.trackers import SiamBANFactory


#: Most torch threads a process may ask for: far more than any machine's cores (torch crashes on absurd counts).
MAX_THREADS = max(256, 4 * (os.cpu_count() or 1))


#: What each shared option means: every command that takes the option starts its help with these words (what
#: follows is that command's detail or default). tests/cli/test_option_names.py holds every parser to them.
SHARED_HELP = {
    "config": "experiment: a bundled name or a config.yaml path",
    "weights": "checkpoint (.pth): an official model.pth or one siamban saved",
    "device": "cpu, cuda or cuda:N",
    "overrides": "config values, dotted YAML keys as in the config file, values read as YAML (e.g. --set "
    "TRACK.PENALTY_K=0.1 TRACK.LR=0.3); applied after the config and --preset",
    "backend": "run the network in PyTorch or in ONNX Runtime (CPU; needs siamban[onnx])",
    "workers": "parallel processes",
    "threads": "torch CPU threads per process",
    "quiet": "less output: no progress bars (the summary lines still print)",
}

#: ``--weights`` on the commands that take ``--backend``.
WEIGHTS_ONNX = ("; with --backend onnxruntime also the folder `siamban export onnx` wrote, or its template.onnx or "
                "track.onnx (the config then comes from the graphs' metadata)")


def _help(dest: str, detail: str = "") -> str:
    return SHARED_HELP[dest] + detail


def add_config_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup, detail: str = "",
                      required: bool = False) -> None:
    parser.add_argument("--config", required=required, help=_help("config", detail))


def add_weights_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup, detail: str = "") -> None:
    parser.add_argument("--weights", help=_help("weights", detail))


def add_device_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup, detail: str = "") -> None:
    parser.add_argument("--device", help=_help("device", detail))


def add_workers_option(parser: argparse.ArgumentParser, detail: str = "", default: int | None = None,
                       short: bool = False) -> None:
    """``--workers N`` (``-j`` too where ``short``): how many processes work side by side."""
    names = ("-j", "--workers") if short else ("--workers",)
    parser.add_argument(*names, type=int, default=default, metavar="N", help=_help("workers", detail))


def add_threads_option(parser: argparse.ArgumentParser, detail: str = "") -> None:
    """``--threads N``: torch's CPU threads (checked by ``check_threads``, set by ``threads_from_args``)."""
    parser.add_argument("--threads", type=int, metavar="N", help=_help("threads", detail or THREADS_DEFAULT))


#: ``--threads``'s default in a command that tracks in one process.
THREADS_DEFAULT = (" (default: OMP_NUM_THREADS, else one per physical core left free by other processes at "
                   "start)")


def add_quiet_option(parser: argparse.ArgumentParser, *aliases: str) -> None:
    """``--quiet`` (and older spellings such as ``--no-progress``, kept working): no progress bars."""
    parser.add_argument("--quiet", *aliases, dest="quiet", action="store_true", help=_help("quiet"))


def add_output_option(parser: argparse.ArgumentParser, detail: str, *aliases: str, dest: str = "output",
                      required: bool = False, default: str | None = None) -> None:
    """``-o/--output``: where the command writes its main output (``aliases``: older spellings, kept working)."""
    parser.add_argument("-o", "--output", *aliases, dest=dest, required=required, default=default, help=detail)


def add_output_folder(parser: argparse.ArgumentParser, detail: str) -> None:
    """The output folder as the positional ``OUT_DIR`` (as before) or as ``-o/--output``; ``output_folder`` reads
    it."""
    parser.add_argument("out_dir", metavar="OUT_DIR", nargs="?", help=f"{detail} (or give it as -o/--output)")
    add_output_option(parser, f"{detail}: the same as OUT_DIR")


def output_folder(args: argparse.Namespace) -> tuple[str, str]:
    """The output folder ``add_output_folder`` took and the name to report it by (``OUT_DIR`` or ``-o``);
    InputError when it is missing or given twice."""
    positional, option = args.out_dir, args.output
    if positional is not None and option is not None:
        raise InputError(f"OUT_DIR {positional} and -o {option}: give the output folder once")
    if positional is None and option is None:
        raise InputError("no output folder: give OUT_DIR (or -o OUT_DIR)")
    return (positional, "OUT_DIR") if positional is not None else (option, "-o")


def add_model_options(parser: argparse.ArgumentParser, backend: bool = False) -> None:
    """--config, --weights, --preset, --device, --precision, --no-optimize, --set; with ``backend``, --backend
    too (and --weights then also takes an ONNX export)."""
    group = parser.add_argument_group("model")
    add_config_option(group, " (default: the bundled default model siamban_lite0, with its shipped weights)")
    add_weights_option(group, WEIGHTS_ONNX if backend else "")
    group.add_argument("--preset", help="tracker hyper-parameters of a benchmark: vot2018, vot2019, otb100, default")
    add_device_option(group, " (default: cuda when present, else cpu)")
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
    if backend:
        add_backend_option(group)


def add_backend_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument("--backend", choices=BACKENDS, default="torch",
                        help=_help("backend", " (default: %(default)s)"))


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
    check_backend(args, model.weights)
    return load_network(
        model.config,
        model.weights,
        preset=model.preset,
        device=args.device,
        precision=getattr(args, "precision", "fp32"),
        optimize=getattr(args, "optimize", True),
        backend=getattr(args, "backend", "torch"),
    )


def check_backend(args: argparse.Namespace, weights: str | Path | None) -> None:
    """The mistakes ``--backend`` allows, as one line before any model is loaded: ONNX Runtime missing, a precision
    it does not run, an ONNX export given to the torch backend."""
    backend = getattr(args, "backend", "torch")
    if backend == "onnxruntime":
        from siamban.export import import_onnxruntime

        import_onnxruntime()  # the install hint, before anything is loaded
        precision = getattr(args, "precision", "fp32")
        if precision != "fp32":
            raise ConfigError(f"--precision {precision}: the onnxruntime backend runs fp32 only (bf16 and fp16 need "
                              "--backend torch)")
    elif weights is not None and is_onnx_export(weights):
        raise ConfigError(f"--weights {weights}: an ONNX export; run it with --backend onnxruntime (or give a .pth "
                          "checkpoint)")


def factory_from_args(args: argparse.Namespace) -> tuple[SiamBANFactory, str]:
    """The benchmark runners' SiamBAN factory for the model options and ``--backend`` (``test``, ``tune``), and the
    default tracker name: the weights file's stem, or the ONNX export's folder name, ``-onnxruntime`` appended with
    that backend so its results never mix with the torch backend's. An ONNX export is loaded here once to read the
    config its graphs carry (and to check them against ``--config``)."""
    from siamban.evaluation.trackers import SiamBANFactory

    model = model_from_args(args)
    check_backend(args, model.weights)
    backend = getattr(args, "backend", "torch")
    device, optimize = args.device, getattr(args, "optimize", True)
    precision: Precision = getattr(args, "precision", "fp32")
    if backend == "onnxruntime" and model.weights is not None and is_onnx_export(model.weights):
        config = load_network(model.config, model.weights, model.preset, device, backend=backend).config
        path = Path(model.weights)
        stem = (path if path.is_dir() else path.parent).name
        factory = SiamBANFactory(config, model.weights, None, device, precision, optimize, backend)
    else:
        config_name, weights = resolve_model(model.config, model.weights)
        stem = Path(weights).stem
        factory = SiamBANFactory(config_name, weights, model.preset, device, precision, optimize, backend)
    return factory, stem if backend == "torch" else f"{stem}-{backend}"


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
    parser.add_argument("--set", dest="overrides", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
                        help=_help("overrides"))


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
