"""One call from a config and weights to a ready tracker."""

from __future__ import annotations

from pathlib import Path

import torch

from siamban.assets import DEFAULT_CONFIG, default_weights
from siamban.config import SiamBANConfig, resolve_config, with_tracker_preset
from siamban.errors import CheckpointError, ConfigError
from siamban.inference import Precision, optimize_for_inference
from siamban.models import SiamBAN, build_model, load_weights
from siamban.models.checkpoint import read_state_dict
from siamban.tracker import SiamBANTracker, TrackingNetwork

#: Where the network runs: PyTorch, or ONNX Runtime on graphs exported at load time (``pip install 'siamban[onnx]'``).
BACKENDS = ("torch", "onnxruntime")


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
    tracker hyper-parameters of a benchmark (``vot2018``, ``vot2019``, ``otb100``). ``optimize`` runs the network
    through ``optimize_for_inference`` (batch norm folded, packed convolutions; a CUDA graph on GPU) in ``precision``
    (fp32, bf16; fp16 on CUDA); ``optimize=False`` keeps the plain eager fp32 network. ``backend="onnxruntime"`` runs
    the network in ONNX Runtime instead (exported and checked against PyTorch at load time; CPU, fp32).
    """
    config, weights = resolve_model(config, weights)
    cfg = config if isinstance(config, SiamBANConfig) else resolve_config(config)
    if preset:
        cfg = with_tracker_preset(cfg, preset)
    if precision != "fp32" and (backend != "torch" or not optimize):
        raise ConfigError(f"precision {precision!r} needs the torch backend with optimize=True (else fp32 only)")
    model = with_backend(load_weights(build_model(cfg), weights), cfg, backend)
    if backend == "onnxruntime" and device is None:
        device = "cpu"  # the graphs run on the CPU: keep the crops there too
    tracker = SiamBANTracker(model, cfg.track, stride=cfg.point.stride, device=device, rgb=rgb)
    if optimize and backend == "torch":
        tracker.model = optimize_for_inference(tracker.model, precision)
        tracker.device_crop = tracker.device.type == "cuda"  # only frame in, maps out cross the bus
    return tracker


def with_backend(model: SiamBAN, config: SiamBANConfig, backend: str) -> TrackingNetwork:
    """``model`` itself for ``torch``; for ``onnxruntime`` its exported graphs in ONNX Runtime."""
    if backend == "torch":
        return model
    if backend == "onnxruntime":
        from siamban.export import onnx_backend

        return onnx_backend(model, config)
    raise ConfigError(f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")


def resolve_model(
    config: str | Path | SiamBANConfig | None, weights: str | Path | None
) -> tuple[str | Path | SiamBANConfig, str | Path]:
    """The (config, weights) to build: the bundled default model when neither is given (or only its config name).

    Weights without a config take the ``config.yaml`` beside them (an official model-zoo folder) or one level up (a
    ``siamban train`` run's ``snapshot/``), else the architecture their key names show (``config_for_weights``).
    Raises CheckpointError when a config other than the default comes without weights.
    """
    if config is None and weights is not None:
        return config_for_weights(weights), weights
    if config is None or (weights is None and config == DEFAULT_CONFIG):
        return DEFAULT_CONFIG, weights or default_weights()
    if weights is None:
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
