"""Network code shared by tracking and training: backbones, neck, heads, the SiamBAN model, checkpoints."""

from siamban.models.builder import build_head, build_model, count_parameters
from siamban.models.weights import load_weights, read_state_dict
from siamban.models.siamban import SiamBAN

__all__ = ["SiamBAN", "build_head", "build_model", "count_parameters", "load_weights", "read_state_dict"]
