"""Fast inference: batch-norm folding, oneDNN packing, reduced precision, CUDA graphs, thread settings.

``optimize_for_inference(model, precision)`` returns a model with the same ``template`` / ``track`` interface;
``create_tracker(..., optimize=True, precision=...)`` uses it. See docs/inference.md.
"""

from siamban.inference.fold import fold_batchnorm
from siamban.inference.optimize import (
    PRECISIONS,
    InferenceModel,
    Precision,
    optimize_for_inference,
    physical_cores,
    set_inference_threads,
)

__all__ = [
    "PRECISIONS",
    "InferenceModel",
    "Precision",
    "fold_batchnorm",
    "optimize_for_inference",
    "physical_cores",
    "set_inference_threads",
]
