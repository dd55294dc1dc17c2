"""Files shipped inside the package: the default model's weights and the sample clip.

Both are made by this project: the weights by ``recipes/default_model`` (``siamban train`` on the train-role real
sequences and generated ones), the clip by ``tools/make_sample.py`` (generated objects over a public-domain photograph
that scikit-image ships).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from siamban.errors import CheckpointError, InputError

_HERE = Path(__file__).resolve().parent

#: Bundled config of the default model (``src/siamban/configs/siamban_lite0.yaml``).
DEFAULT_CONFIG = "siamban_lite0"
#: Its weights (fp16 storage), relative to this package folder.
DEFAULT_WEIGHTS = _HERE / "models" / "siamban_lite0.pth"
SAMPLE_DIR = _HERE / "sample"


@dataclass(frozen=True)
class SampleClip:
    """The bundled sample: a short video and its ground truth (one ``x,y,w,h`` line per frame)."""

    video: Path
    groundtruth: Path

    def first_box(self) -> tuple[float, float, float, float]:
        """The ground-truth box of frame 0."""
        values = [float(v) for v in self.groundtruth.read_text().splitlines()[0].split(",")]
        return values[0], values[1], values[2], values[3]


def default_weights() -> Path:
    """Path of the bundled default model's weights; CheckpointError when the install lacks them."""
    if not DEFAULT_WEIGHTS.is_file():
        raise CheckpointError(
            f"the default model's weights are missing ({DEFAULT_WEIGHTS}): reinstall siamban, or pass --weights"
        )
    return DEFAULT_WEIGHTS


def sample_clip() -> SampleClip:
    """The bundled sample clip; InputError when the install lacks it."""
    clip = SampleClip(SAMPLE_DIR / "sample.mp4", SAMPLE_DIR / "groundtruth.txt")
    if not clip.video.is_file() or not clip.groundtruth.is_file():
        raise InputError(f"the sample clip is missing from {SAMPLE_DIR}: reinstall siamban")
    return clip
