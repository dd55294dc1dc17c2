"""Run exported SiamBAN graphs in ONNX Runtime behind the network's ``template`` / ``track`` interface.

``OnnxRuntimeModel`` takes and returns torch tensors, so ``SiamBANTracker`` and ``BatchTracker`` run on it
unchanged; ``onnx_backend(model, config)`` exports a PyTorch network in memory (checked) and wraps it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from siamban.config import SiamBANConfig
from siamban.errors import DependencyError
from siamban.models.siamban import SiamBAN


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
        self._template = ort.InferenceSession(_model_source(template), options, providers=providers)
        self._track = ort.InferenceSession(_model_source(track), options, providers=providers)
        self.kernel_names = tuple(o.name for o in self._template.get_outputs())
        track_inputs = tuple(i.name for i in self._track.get_inputs())
        if track_inputs[1:] != self.kernel_names:
            raise ValueError(f"track graph inputs {track_inputs} do not match the template outputs {self.kernel_names}")
        self._x_name = track_inputs[0]
        self._z_name = self._template.get_inputs()[0].name
        self.device = torch.device("cpu")
        self.training = False

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


def _numpy(tensor: torch.Tensor) -> Any:
    return tensor.detach().to("cpu", torch.float32).contiguous().numpy()


def onnx_backend(model: SiamBAN, config: SiamBANConfig, threads: int | None = None,
                 check: bool = True) -> OnnxRuntimeModel:
    """Export ``model`` in memory (checked against PyTorch unless ``check=False``) and load it in ONNX Runtime."""
    from siamban.export.onnx_export import check_graphs, export_graphs

    import_onnxruntime()  # fail with the install hint before spending time on the export
    graphs = export_graphs(model, config)
    if check:
        check_graphs(model, graphs)
    return OnnxRuntimeModel(graphs.template, graphs.track, threads=threads)
