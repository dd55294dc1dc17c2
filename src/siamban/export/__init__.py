"""ONNX export of a SiamBAN network (two graphs: template and per-frame track) and an ONNX Runtime backend with the
network's ``template`` / ``track`` interface, so the trackers run on it unchanged."""

from siamban.export.onnx_export import (
    DEFAULT_OPSET,
    METADATA_KEYS,
    TOLERANCE,
    ExportCheck,
    OnnxExport,
    OnnxGraphs,
    check_graphs,
    config_yaml,
    export_graphs,
    export_onnx,
    kernel_names,
    onnx_backend,
)
from siamban.export.runtime import (
    OnnxRuntimeModel,
    import_onnxruntime,
    is_onnx_export,
    load_exported,
    network_entries,
)

__all__ = [
    "DEFAULT_OPSET",
    "METADATA_KEYS",
    "TOLERANCE",
    "ExportCheck",
    "OnnxExport",
    "OnnxGraphs",
    "OnnxRuntimeModel",
    "check_graphs",
    "config_yaml",
    "export_graphs",
    "export_onnx",
    "import_onnxruntime",
    "is_onnx_export",
    "kernel_names",
    "load_exported",
    "network_entries",
    "onnx_backend",
]
