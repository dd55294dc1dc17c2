"""One call from a config and weights to a ready tracker."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from siamban.assets import DEFAULT_CONFIG, default_weights
from siamban.config import SiamBANConfig, TrackConfig, config_path, resolve_config, with_tracker_preset
from siamban.errors import CheckpointError, ConfigError
from siamban.export.runtime import is_onnx_export, load_exported
from siamban.inference import Precision, optimize_for_inference
from siamban.models import SiamBAN, build_model, load_weights
from siamban.models.weights import read_state_dict
from siamban.tracker import SiamBANTracker, TrackingNetwork, default_device

#: Where the network runs: PyTorch, or ONNX Runtime on graphs exported at load time (``pip install 'siamban[onnx]'``).
BACKENDS = ("torch", "onnxruntime")


@dataclass(frozen=True)
class LoadedNetwork:
    """A network ready to track with, and what every tracker on it needs: its config (the stride and the default
    tracking settings), the device, and whether crops are made there. ``tracker()`` is the one way the package turns
    a network into a ``SiamBANTracker`` (``BatchTracker.like(tracker)`` for many targets)."""

    network: TrackingNetwork
    config: SiamBANConfig
    device: torch.device
    device_crop: bool = False

    def tracker(self, track: TrackConfig | None = None, rgb: bool = False) -> SiamBANTracker:
        """A new tracker on this network, with ``track`` settings (default: the config's)."""
        return SiamBANTracker(self.network, track or self.config.track, stride=self.config.point.stride,
                              device=self.device, rgb=rgb, device_crop=self.device_crop)


def load_network(
    config: str | Path | SiamBANConfig | None = None,
    weights: str | Path | None = None,
    preset: str | None = None,
    device: str | torch.device | None = None,
    precision: Precision = "fp32",
    optimize: bool = True,
    backend: str = "torch",
) -> LoadedNetwork:
    """Build the model of ``config`` with ``weights`` (``resolve_model``: the bundled default model with neither) and
    make it ready to track on ``device``. ``preset`` swaps in a benchmark's tracker settings (``vot2018``,
    ``vot2019``, ``otb100``); ``precision``, ``optimize`` and ``backend``: see ``inference_network``. With
    ``backend="onnxruntime"``, ``weights`` may be an export of ``siamban export onnx`` (its folder or either graph):
    it is loaded as it is, with the config in its metadata (``exported_network``)."""
    if backend == "onnxruntime" and weights is not None and is_onnx_export(weights):
        return exported_network(config, weights, preset, device, precision)
    cfg, model = load_model(config, weights)
    if preset:
        cfg = with_tracker_preset(cfg, preset)
    if backend == "onnxruntime" and device is None:
        device = "cpu"  # the graphs run on the CPU: keep the crops there too
    resolved = resolve_device(device)
    network = inference_network(model.to(resolved), cfg, precision, optimize, backend)
    return LoadedNetwork(network, cfg, resolved, crops_on_device(resolved, optimize, backend))


def create_tracker(
    config: str | Path | SiamBANConfig | None = None,
    weights: str | Path | None = None,
    preset: str | None = None,
    device: str | torch.device | None = None,
    rgb: bool = False,
    precision: Precision = "fp32",
    optimize: bool = True,
    backend: str = "torch",
) -> SiamBANTracker:
    """Build the model of ``config`` (a bundled experiment name, a YAML path, or a config), load ``weights``.

    With neither, the bundled default model (``siamban_lite0`` and its shipped weights). ``preset`` swaps in the
    tracker hyper-parameters of a benchmark (``vot2018``, ``vot2019``, ``otb100``). ``precision``, ``optimize`` and
    ``backend``: see ``inference_network``.
    """
    return load_network(config, weights, preset, device, precision, optimize, backend).tracker(rgb=rgb)


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``device`` (``cpu``, ``cuda``, ``cuda:N``) as a torch device that exists here, or the default (CUDA when
    present, else the CPU); ConfigError naming the value otherwise (``tpu``, ``cuda`` on a CPU-only torch)."""
    if device is None or device == "":
        return default_device()
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ConfigError(f"--device {device!r}: expected cpu, cuda or cuda:N") from None
    if resolved.type not in ("cpu", "cuda"):
        raise ConfigError(f"--device {device!r}: siamban runs on cpu or cuda (cuda:N)")
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {device!r}: CUDA is not available (this torch build or machine has no "
                              "usable GPU); use --device cpu")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ConfigError(f"--device {device!r}: this machine has {torch.cuda.device_count()} CUDA devices")
    return resolved


def load_model(
    config: str | Path | SiamBANConfig | None = None, weights: str | Path | None = None
) -> tuple[SiamBANConfig, SiamBAN]:
    """The config and the eval-mode network with weights that ``resolve_model(config, weights)`` names."""
    config, weights = resolve_model(config, weights)
    cfg = config if isinstance(config, SiamBANConfig) else resolve_config(config)
    return cfg, load_weights(build_model(cfg), weights).eval()


def inference_network(
    model: SiamBAN,
    config: SiamBANConfig,
    precision: Precision = "fp32",
    optimize: bool = True,
    backend: str = "torch",
) -> TrackingNetwork:
    """``model`` (on its target device) as it runs for tracking.

    ``optimize`` runs it through ``optimize_for_inference`` (batch norm folded, packed convolutions; a CUDA graph on
    GPU) in ``precision`` (fp32, bf16; fp16 on CUDA); ``optimize=False`` keeps the plain eager fp32 network.
    ``backend="onnxruntime"`` runs it in ONNX Runtime instead (exported and checked against PyTorch here; CPU, fp32).
    """
    if precision != "fp32" and (backend != "torch" or not optimize):
        raise ConfigError(f"precision {precision!r} needs the torch backend with optimize=True (else fp32 only)")
    if backend == "onnxruntime":
        from siamban.export import onnx_backend

        return onnx_backend(model, config)
    if backend != "torch":
        raise ConfigError(f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
    return optimize_for_inference(model, precision) if optimize else model


def exported_network(
    config: str | Path | SiamBANConfig | None,
    weights: str | Path,
    preset: str | None = None,
    device: str | torch.device | None = None,
    precision: Precision = "fp32",
) -> LoadedNetwork:
    """The exported graphs ``weights`` in ONNX Runtime, with the config their metadata carries, or ``config`` after
    checking that the graphs were exported from it (ConfigError otherwise). Nothing is exported again."""
    if precision != "fp32":
        raise ConfigError(f"precision {precision!r} needs the torch backend with optimize=True (else fp32 only)")
    given = resolve_config(config) if isinstance(config, (str, Path)) else config
    cfg, network = load_exported(weights, given)
    if preset:
        cfg = with_tracker_preset(cfg, preset)
    resolved = resolve_device(device or "cpu")  # the graphs run on the CPU: keep the crops there too
    return LoadedNetwork(network.to(resolved), cfg, resolved, False)


def crops_on_device(device: torch.device, optimize: bool = True, backend: str = "torch") -> bool:
    """Whether a tracker should crop with torch ops on ``device`` (the optimized torch network on CUDA: only the
    frame goes in and the maps come out) rather than with OpenCV on the host (the reference crop)."""
    return optimize and backend == "torch" and device.type == "cuda"


def resolve_model(
    config: str | Path | SiamBANConfig | None, weights: str | Path | None
) -> tuple[str | Path | SiamBANConfig, str | Path]:
    """The (config, weights) to build: the bundled default model when neither is given (or only its config name).

    Weights without a config take the ``config.yaml`` beside them (an official model-zoo folder) or one level up (a
    ``siamban train`` run's ``snapshot/``), else the architecture their key names show (``config_for_weights``).
    Raises ConfigError for a name that is neither a file nor a bundled config, and CheckpointError when a config
    other than the default comes without weights.
    """
    if config is None and weights is not None:
        return config_for_weights(weights), weights
    if config is None or (weights is None and config == DEFAULT_CONFIG):
        return DEFAULT_CONFIG, weights or default_weights()
    if weights is None:
        if not isinstance(config, SiamBANConfig):
            config_path(config)  # a mistyped name is an unknown config, not a model without weights
        raise CheckpointError(
            f"no weights given for {config}: pass the model's checkpoint (e.g. an official model.pth); only the "
            f"default model ({DEFAULT_CONFIG}) ships its weights"
        )
    return config, weights


def config_for_weights(weights: str | Path) -> str | Path:
    """The config that goes with a checkpoint given alone: a ``config.yaml`` beside it or one folder up, else
    ``siamban_r50_l234`` for ResNet-50 key names (``backbone.layer1...``) and the default model's otherwise."""
    path = Path(weights)
    for folder in (path.parent, path.parent.parent):
        if (folder / "config.yaml").is_file():
            return folder / "config.yaml"
    names = read_state_dict(path).keys()
    return "siamban_r50_l234" if any(n.startswith("backbone.layer1.") for n in names) else DEFAULT_CONFIG
