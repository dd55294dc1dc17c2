"""Export a SiamBAN network as two ONNX graphs and check them against PyTorch with ONNX Runtime.

``template.onnx`` maps template crops ``z`` (B, 3, 127, 127) to the head kernels (outputs named ``box2_cls``,
``box2_loc``, ``box3_cls`` ...); ``track.onnx`` takes search crops ``x`` (B, 3, H, W) and those kernels as inputs and
gives ``cls`` and ``loc``. The batch is free in both, as are the search crop's height and width (a wider search
region after a loss). The depth-wise cross-correlation exports as shifted slices (``xcorr_depthwise_shifted``): ONNX
fixes a grouped convolution's group count, so the batch-into-channels form would freeze the batch.

The TorchScript exporter (``dynamo=False``) is used: it needs only the ``onnx`` package, where torch's default
exporter also needs ``onnxscript``.

Both graphs carry metadata (ONNX ``metadata_props``, keys in ``METADATA_KEYS``): the model name (``META_ARC``), the
whole config as YAML text, the exemplar and instance sizes, the kernel names, the opset, which graph it is and the
siamban version. ``siamban.export.runtime.load_exported`` reads them back, so an exported folder runs without the
PyTorch weights and a graph exported from another config is refused.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import yaml
from torch import nn

from siamban.config import SiamBANConfig, config_to_dict
from siamban.errors import ExportError
from siamban.export.runtime import TEMPLATE_FILE, TRACK_FILE, OnnxRuntimeModel, import_onnxruntime
from siamban.models.siamban import SiamBAN

DEFAULT_OPSET = 17
#: Largest accepted ``max |onnx - torch| / max(1, max |torch|)`` over every output (float32 summation order aside).
TOLERANCE = 1e-4
#: Opsets the TorchScript exporter writes (9: constant folding; 20: its newest).
OPSETS = range(9, 21)
#: Metadata every exported graph carries (``metadata_props``), all strings.
METADATA_KEYS = (
    "siamban.graph",  # "template" or "track"
    "siamban.model",  # the config's META_ARC, e.g. siamban_lite0
    "siamban.config",  # the whole config, YAML in the official layout
    "siamban.exemplar_size",
    "siamban.instance_size",
    "siamban.kernel_names",  # comma-separated, the template's outputs and the track graph's inputs after x
    "siamban.opset",
    "siamban.version",
)


def config_yaml(config: SiamBANConfig) -> str:
    """``config`` as YAML text in the official layout (what the graphs' ``siamban.config`` holds)."""
    return yaml.safe_dump(config_to_dict(config), sort_keys=False, width=120)


def graph_metadata(config: SiamBANConfig, names: tuple[str, ...], opset: int) -> dict[str, str]:
    """The metadata both graphs of an export share (``siamban.graph`` aside)."""
    from siamban import __version__

    return {
        "siamban.model": config.meta_arc,
        "siamban.config": config_yaml(config),
        "siamban.exemplar_size": str(config.track.exemplar_size),
        "siamban.instance_size": str(config.track.instance_size),
        "siamban.kernel_names": ",".join(names),
        "siamban.opset": str(opset),
        "siamban.version": __version__,
    }


def _with_metadata(graph: bytes, metadata: dict[str, str]) -> bytes:
    """The serialised graph with ``metadata`` set in its ``metadata_props``."""
    import onnx  # present: torch's exporter needs it

    model = onnx.load_from_string(graph)
    kept = [(p.key, p.value) for p in model.metadata_props if p.key not in metadata]
    del model.metadata_props[:]
    for key, value in [*kept, *metadata.items()]:
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    return model.SerializeToString()


def kernel_names(model: SiamBAN) -> tuple[str, ...]:
    """Names of the kernels ``model.template`` returns, in order: ``box2_cls, box2_loc, box3_cls, ...``."""
    return tuple(f"{level}_{branch}" for level in model.head.names for branch in ("cls", "loc"))


class _TemplateGraph(nn.Module):
    def __init__(self, model: SiamBAN) -> None:
        super().__init__()
        self.model = model

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.model.template(z)


class _TrackGraph(nn.Module):
    def __init__(self, model: SiamBAN) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, *kernels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.track(x, kernels)


@dataclass(frozen=True)
class OnnxGraphs:
    """The two serialised graphs and their interface."""

    template: bytes
    track: bytes
    kernel_names: tuple[str, ...]
    exemplar_size: int
    instance_size: int
    opset: int
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)  # shared by both graphs (``graph_metadata``)

    def save(self, out_dir: str | Path) -> tuple[Path, Path]:
        """Write ``template.onnx`` and ``track.onnx`` into ``out_dir`` (created), atomically; return their paths."""
        from siamban.io.atomic import atomic_write

        out = Path(out_dir)
        paths = out / TEMPLATE_FILE, out / TRACK_FILE
        # both graphs whole or neither: a full disk leaves no piece of a graph and no mismatched pair
        with atomic_write(paths[0], "wb") as template, atomic_write(paths[1], "wb") as track:
            template.write(self.template)
            track.write(self.track)
        return paths


@dataclass(frozen=True)
class OutputCheck:
    """How far one exported output is from PyTorch's: ``error`` is ``max_abs_diff / max(1, scale)``.

    ``onnx_vs_float64`` and ``torch_vs_float64`` (same measure, against the network run in float64) are filled in when
    ``error`` exceeds the tolerance: deep networks can differ by more than that through float32 rounding alone.
    """

    name: str
    max_abs_diff: float
    scale: float  # max |torch output| (finite values)
    onnx_vs_float64: float | None = None
    torch_vs_float64: float | None = None

    @property
    def error(self) -> float:
        return self.max_abs_diff / max(1.0, self.scale)

    def passed(self, tolerance: float) -> bool:
        """Within ``tolerance`` of PyTorch, or no further from the float64 network than twice PyTorch's own float32
        rounding error."""
        if self.error <= tolerance:
            return True
        if self.onnx_vs_float64 is None or self.torch_vs_float64 is None:
            return False
        return self.onnx_vs_float64 <= max(tolerance, 2.0 * self.torch_vs_float64)


@dataclass(frozen=True)
class ExportCheck:
    """ONNX Runtime against PyTorch on random crops, every output of both graphs."""

    outputs: tuple[OutputCheck, ...]
    batch: int
    tolerance: float = TOLERANCE

    @property
    def error(self) -> float:
        return max(o.error for o in self.outputs)

    @property
    def passed(self) -> bool:
        return all(o.passed(self.tolerance) for o in self.outputs)

    def describe(self) -> str:
        worst = max(self.outputs, key=lambda o: o.error)
        verdict = "ok" if self.passed else "FAILED"
        text = (
            f"onnxruntime vs torch ({len(self.outputs)} outputs, batch {self.batch}): {verdict}, max error "
            f"{self.error:.2e} (tolerance {self.tolerance:.0e}; worst {worst.name}: max abs diff "
            f"{worst.max_abs_diff:.2e} on a scale of {worst.scale:.3g})"
        )
        if worst.onnx_vs_float64 is not None:
            text += (
                f"; against float64, {worst.name}: onnxruntime {worst.onnx_vs_float64:.2e}, torch float32 "
                f"{worst.torch_vs_float64:.2e} (float32 rounding)"
            )
        return text


@dataclass(frozen=True)
class OnnxExport:
    """What ``export_onnx`` wrote and how the check went."""

    template_path: Path
    track_path: Path
    check: ExportCheck | None


def _export(module: nn.Module, args: tuple[torch.Tensor, ...], inputs: list[str], outputs: list[str],
            dynamic: dict[str, dict[int, str]], opset: int) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # the TorchScript exporter is deprecated in favour of the dynamo one (which needs onnxscript); the neck's
        # crop test on a map's width is fixed while tracing, as intended (template and search each get their graph)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        try:
            # torch annotates ``f`` as a path, but the TorchScript exporter (dynamo=False) writes to a file object too
            torch.onnx.export(
                module,
                args,
                buffer,  # type: ignore[arg-type]
                dynamo=False, opset_version=opset, input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                do_constant_folding=True,
            )
        except Exception as exc:  # the exporter raises many types; one clear line names the graph
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            what = "template" if isinstance(module, _TemplateGraph) else "track"
            raise ExportError(f"ONNX export of the {what} graph failed (opset {opset}): {first}") from exc
    return buffer.getvalue()


def export_graphs(model: SiamBAN, config: SiamBANConfig, opset: int = DEFAULT_OPSET) -> OnnxGraphs:
    """Serialise ``model`` (on the CPU, in eval mode while exporting) as the template and track graphs."""
    if opset not in OPSETS:
        raise ExportError(f"opset {opset}: the exporter writes opsets {OPSETS.start} to {OPSETS.stop - 1}")
    track = config.track
    names = list(kernel_names(model))
    was_training = model.training
    device = next(model.parameters()).device
    model.cpu().eval()
    try:
        z = torch.rand(1, 3, track.exemplar_size, track.exemplar_size) * 255
        x = torch.rand(1, 3, track.instance_size, track.instance_size) * 255
        with torch.no_grad():
            kernels = model.template(z)
        batch = {0: "batch"}
        template = _export(
            _TemplateGraph(model).eval(), (z,), ["z"], names, {n: batch for n in ["z", *names]}, opset
        )
        search = {0: "batch", 2: "height", 3: "width"}
        maps = {0: "batch", 2: "map_height", 3: "map_width"}
        track_graph = _export(
            _TrackGraph(model).eval(), (x, *kernels), ["x", *names], ["cls", "loc"],
            {"x": search, "cls": maps, "loc": maps, **{n: batch for n in names}}, opset,
        )
    finally:
        model.to(device).train(was_training)
    metadata = graph_metadata(config, tuple(names), opset)
    template = _with_metadata(template, {**metadata, "siamban.graph": "template"})
    track_graph = _with_metadata(track_graph, {**metadata, "siamban.graph": "track"})
    return OnnxGraphs(template, track_graph, tuple(names), track.exemplar_size, track.instance_size, opset, metadata)


def check_graphs(model: SiamBAN, graphs: OnnxGraphs, batch: int = 2, seed: int = 0,
                 tolerance: float = TOLERANCE) -> ExportCheck:
    """Run both graphs in ONNX Runtime on ``batch`` random crops and compare every output with ``model``'s.

    The track graph gets PyTorch's kernels, so each graph is judged on its own. An output off by more than
    ``tolerance`` (relative to its scale) is also compared with a float64 copy of the network, and passes when ONNX
    Runtime is no further from it than twice PyTorch float32 is. Raises ExportError otherwise.
    """
    runtime = OnnxRuntimeModel(graphs.template, graphs.track, threads=1)
    generator = torch.Generator().manual_seed(seed)
    z = torch.rand(batch, 3, graphs.exemplar_size, graphs.exemplar_size, generator=generator) * 255
    x = torch.rand(batch, 3, graphs.instance_size, graphs.instance_size, generator=generator) * 255
    names = [*graphs.kernel_names, "cls", "loc"]
    reference = _run(model, z, x)
    kernels = tuple(reference[: len(graphs.kernel_names)])
    got = [*runtime.template(z), *runtime.track(x, kernels)]
    checks = [_compare(name, ref, out) for name, ref, out in zip(names, reference, got)]
    if any(c.error > tolerance for c in checks):
        exact = _run(copy.deepcopy(model).double(), z.double(), x.double())
        checks = [
            dataclasses.replace(c, onnx_vs_float64=_compare(c.name, e, out).error,
                                torch_vs_float64=_compare(c.name, e, ref).error)
            for c, e, ref, out in zip(checks, exact, reference, got)
        ]
    result = ExportCheck(tuple(checks), batch, tolerance)
    if not result.passed:
        raise ExportError(f"exported graphs do not reproduce the PyTorch network: {result.describe()}")
    return result


def _run(model: SiamBAN, z: torch.Tensor, x: torch.Tensor) -> list[torch.Tensor]:
    """Kernels then (cls, loc) of ``model`` in eval mode, on the CPU."""
    was_training = model.training
    device = next(model.parameters()).device
    model.eval()
    try:
        with torch.no_grad():
            kernels = model.template(z.to(device))
            maps = model.track(x.to(device), kernels)
    finally:
        model.train(was_training)
    return [t.cpu() for t in (*kernels, *maps)]


def _compare(name: str, reference: torch.Tensor, got: torch.Tensor) -> OutputCheck:
    ref = reference.detach().double().cpu().numpy()
    out = got.detach().double().cpu().numpy()
    if ref.shape != out.shape:
        raise ExportError(f"exported output {name}: shape {out.shape}, PyTorch gives {ref.shape}")
    if ref.size == 0:
        return OutputCheck(name, 0.0, 0.0)
    # an overflowing exp (a random network's regression) gives inf on both sides: equal, not infinitely far apart
    same = (ref == out) | (np.isnan(ref) & np.isnan(out))
    with np.errstate(invalid="ignore"):
        diff = np.where(same, 0.0, np.abs(ref - out))
    finite = np.abs(ref[np.isfinite(ref)])
    return OutputCheck(name, float(np.nan_to_num(diff, nan=np.inf).max()), float(finite.max()) if finite.size else 0.0)


def export_onnx(
    model: SiamBAN, config: SiamBANConfig, out_dir: str | Path, opset: int = DEFAULT_OPSET, check: bool = True
) -> OnnxExport:
    """Write ``template.onnx`` and ``track.onnx`` for ``model`` into ``out_dir`` and (by default) check them in ONNX
    Runtime against PyTorch (ExportError when an output is off by more than ``TOLERANCE`` of its scale)."""
    graphs = export_graphs(model, config, opset)
    result = check_graphs(model, graphs) if check else None
    template_path, track_path = graphs.save(out_dir)
    return OnnxExport(template_path, track_path, result)


def onnx_backend(model: SiamBAN, config: SiamBANConfig, threads: int | None = None,
                 check: bool = True) -> OnnxRuntimeModel:
    """Export ``model`` in memory (checked against PyTorch unless ``check=False``) and load it in ONNX Runtime."""
    import_onnxruntime()  # fail with the install hint before spending time on the export
    graphs = export_graphs(model, config)
    if check:
        check_graphs(model, graphs)
    return OnnxRuntimeModel(graphs.template, graphs.track, threads=threads)
