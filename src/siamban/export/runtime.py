"""Run exported SiamBAN graphs in ONNX Runtime behind the network's ``template`` / ``track`` interface.

``OnnxRuntimeModel`` takes and returns torch tensors, so ``SiamBANTracker`` and ``BatchTracker`` run on it
unchanged; ``onnx_backend(model, config)`` exports a PyTorch network in memory (checked) and wraps it;
``load_exported(path)`` loads the graphs ``siamban export onnx`` wrote, with the config their metadata carries, and
exports nothing.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Mapping

import torch
import yaml

from siamban.config import SiamBANConfig, config_from_dict, config_to_dict
from siamban.errors import CheckpointError, ConfigError, DependencyError, SiamBANError, SiamBANWarning


#: The two graph files of an export folder.
TEMPLATE_FILE = "template.onnx"
TRACK_FILE = "track.onnx"


def import_onnxruntime() -> Any:
    """The ``onnxruntime`` module, or DependencyError saying how to install it."""
    try:
        import onnxruntime
    except ImportError:
        raise DependencyError(
            "the onnxruntime backend needs ONNX Runtime: pip install 'siamban[onnx]' (onnx, onnxruntime)"
        ) from None
    return onnxruntime


def session_options(threads: int | None = None) -> Any:
    """ONNX Runtime session options: all graph optimisations, ``threads`` intra-op threads (default: torch's), and
    no spinning: idle worker threads block at once instead of busy-waiting for the next run, which would take the
    cores from the crop and post-processing between frames (end to end, default model, 2 cores: 74 against 46-56
    frames/s; ``benchmarks/speed.py`` measures it)."""
    ort = import_onnxruntime()
    options = ort.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return options


class OnnxRuntimeModel:
    """``template.onnx`` and ``track.onnx`` (paths or serialised bytes) in ONNX Runtime sessions on the CPU.

    ``template(z)`` returns the kernels and ``track(x, kernels)`` the (cls, loc) maps, as float32 torch tensors on
    the device ``to`` last named (inputs may be on any device).
    """

    def __init__(self, template: str | Path | bytes, track: str | Path | bytes, threads: int | None = None) -> None:
        ort = import_onnxruntime()
        options = session_options(threads)
        providers = ["CPUExecutionProvider"]
        self._template = _session(ort, template, options, providers)
        self._track = _session(ort, track, options, providers)
        self.kernel_names = tuple(o.name for o in self._template.get_outputs())
        track_inputs = tuple(i.name for i in self._track.get_inputs())
        if track_inputs[1:] != self.kernel_names:
            raise ValueError(f"track graph inputs {track_inputs} do not match the template outputs {self.kernel_names}")
        self._x_name = track_inputs[0]
        self._z_name = self._template.get_inputs()[0].name
        self.device = torch.device("cpu")
        self.training = False

    @property
    def metadata(self) -> tuple[dict[str, str], dict[str, str]]:
        """The ``metadata_props`` of the template and the track graph (``siamban.*`` keys on an export)."""
        return (dict(self._template.get_modelmeta().custom_metadata_map),
                dict(self._track.get_modelmeta().custom_metadata_map))

    def to(self, device: str | torch.device) -> "OnnxRuntimeModel":
        """Return outputs on ``device`` (the graphs still run on the CPU)."""
        self.device = torch.device(device)
        return self

    def eval(self) -> "OnnxRuntimeModel":
        return self

    def template(self, z: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Kernels for template crops ``z`` (B, 3, 127, 127), in ``kernel_names`` order."""
        outputs = self._template.run(None, {self._z_name: _numpy(z)})
        return tuple(self._tensor(o) for o in outputs)

    def track(self, x: torch.Tensor, kernels: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        """(cls, loc) maps for search crops ``x`` (B, 3, H, W) and kernels of batch B."""
        feeds = {self._x_name: _numpy(x), **{n: _numpy(k) for n, k in zip(self.kernel_names, kernels)}}
        cls, loc = self._track.run(None, feeds)
        return self._tensor(cls), self._tensor(loc)

    def _tensor(self, array: Any) -> torch.Tensor:
        out = torch.from_numpy(array)
        return out if self.device.type == "cpu" else out.to(self.device)


def _model_source(source: str | Path | bytes) -> str | bytes:
    return source if isinstance(source, bytes) else str(source)


def _session(ort: Any, source: str | Path | bytes, options: Any, providers: list[str]) -> Any:
    """An InferenceSession, or CheckpointError naming the file when ONNX Runtime cannot read it."""
    try:
        return ort.InferenceSession(_model_source(source), options, providers=providers)
    except Exception as exc:  # onnxruntime raises its own exception types (Fail, InvalidProtobuf, ...)
        where = "in-memory graph" if isinstance(source, bytes) else str(source)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{where}: not an ONNX graph ONNX Runtime can load ({first[:200]})") from None


#: Config entries that do not change what the graphs compute (training settings): ignored when comparing configs.
_TRAINING_ONLY = {"BACKBONE.PRETRAINED", "BACKBONE.TRAIN_LAYERS", "BACKBONE.TRAIN_EPOCH", "BACKBONE.LAYERS_LR",
                  "BAN.KWARGS.loc_init"}


def _flatten(prefix: str, value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return {k: v for key, item in value.items() for k, v in _flatten(f"{prefix}.{key}", item).items()}
    return {prefix: value}


def network_entries(config: SiamBANConfig) -> dict[str, Any]:
    """The config entries that decide what the exported graphs compute (backbone, neck, head, stride, exemplar
    size), flattened to ``SECTION.KEY`` names in the config's order (the model's name, META_ARC, is not one)."""
    data = config_to_dict(config)
    entries: dict[str, Any] = {}
    for section in ("BACKBONE", "ADJUST", "BAN", "POINT"):
        entries.update(_flatten(section, data[section]))
    entries["TRACK.EXEMPLAR_SIZE"] = data["TRACK"]["EXEMPLAR_SIZE"]
    return {k: v for k, v in entries.items() if k not in _TRAINING_ONLY}


def export_paths(path: str | Path) -> tuple[Path, Path] | None:
    """``(template.onnx, track.onnx)`` of an export: a folder holding both, or either file of the pair; None when
    ``path`` is neither (a ``.pth`` checkpoint, say)."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent if path.name in (TEMPLATE_FILE, TRACK_FILE) else None
    if folder is None:
        return None
    return folder / TEMPLATE_FILE, folder / TRACK_FILE


def is_onnx_export(path: str | Path | None) -> bool:
    """Whether ``path`` names an export of ``siamban export onnx`` (a folder, ``template.onnx`` or ``track.onnx``)
    rather than PyTorch weights."""
    return path is not None and (export_paths(path) is not None or Path(path).suffix.lower() == ".onnx")


def load_exported(path: str | Path, config: SiamBANConfig | None = None,
                  threads: int | None = None) -> tuple[SiamBANConfig, OnnxRuntimeModel]:
    """The graphs ``siamban export onnx`` wrote (``path``: their folder or either file) in ONNX Runtime, and the
    config they were exported with (their ``siamban.config`` metadata). With ``config``, its network entries must
    match the graphs' (ConfigError naming the first that differs) and it is the config returned (its tracking
    settings may differ). Exports nothing; CheckpointError for a missing file or a graph without siamban metadata."""
    from siamban import __version__

    paths = export_paths(path)
    if paths is None:
        raise CheckpointError(f"{path}: not an ONNX export; give the folder `siamban export onnx` wrote (template.onnx "
                              "and track.onnx) or one of those two files")
    for file in paths:
        if not file.is_file():
            raise CheckpointError(f"{file}: not found (an export is template.onnx and track.onnx side by side, as "
                                  "`siamban export onnx OUT_DIR` writes them)")
    runtime = OnnxRuntimeModel(*paths, threads=threads)
    metas = runtime.metadata
    for file, meta, graph in zip(paths, metas, ("template", "track")):
        if "siamban.config" not in meta:
            raise CheckpointError(f"{file}: carries no siamban metadata (exported by another tool or an older "
                                  "siamban); export it again with `siamban export onnx`")
        if meta.get("siamban.graph") != graph:
            raise CheckpointError(f"{file}: holds the {meta.get('siamban.graph')!r} graph, expected the {graph} graph")
    if metas[0]["siamban.config"] != metas[1]["siamban.config"] or metas[0].get("siamban.kernel_names") != metas[
            1].get("siamban.kernel_names"):
        raise CheckpointError(f"{paths[0]} and {paths[1]}: exported from different configs; export both again "
                              "with `siamban export onnx`")
    try:
        exported = config_from_dict(yaml.safe_load(metas[0]["siamban.config"]))
    except (SiamBANError, yaml.YAMLError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"{paths[0]}: its siamban.config metadata is not a readable config ({exc})") from None
    if metas[0].get("siamban.version") != __version__:
        warnings.warn(f"{paths[0]}: exported by siamban {metas[0].get('siamban.version')}, this is {__version__}",
                      SiamBANWarning, stacklevel=2)
    if config is None:
        return exported, runtime
    want, have = network_entries(config), network_entries(exported)
    for key in [*want, *(k for k in have if k not in want)]:
        if want.get(key) != have.get(key):
            raise ConfigError(
                f"{paths[0].parent}: exported from config {exported.meta_arc} ({key}: {have.get(key)!r}), not from "
                f"the given config {config.meta_arc} ({key}: {want.get(key)!r}); export this config again or drop "
                "--config to use the export's own"
            )
    return config, runtime


def _numpy(tensor: torch.Tensor) -> Any:
    return tensor.detach().to("cpu", torch.float32).contiguous().numpy()
