"""Picklable tracker factories for the benchmark runners: SiamBAN from a config and weights (with hyper-parameter
overrides, for ``siamban tune``) and OpenCV's trackers (CSRT, KCF, MIL) behind the same ``init``/``track`` interface.

A factory is called once per worker process (``factory()``) or once per tuning trial (``factory(overrides)``); the
SiamBAN factory loads its network the first time and reuses it, so a trial costs no checkpoint load.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence as Seq

import numpy as np

from siamban.config import SiamBANConfig, TrackConfig, resolve_config, with_tracker_preset
from siamban.errors import ConfigError, DependencyError, InputError
from siamban.inference.optimize import Precision
from siamban.tracker.tracker import TrackResult

#: TRACK fields a factory accepts as overrides (the ones ``siamban tune`` searches, and the lost-target settings).
TUNABLE = (
    "penalty_k", "window_influence", "lr", "lost_score", "lost_frames", "lost_instance_size", "small_target_size",
    "small_instance_size",
)


def with_track_overrides(track: TrackConfig, overrides: Mapping[str, float] | None) -> TrackConfig:
    """``track`` with ``overrides`` applied, or ConfigError naming an unknown field."""
    if not overrides:
        return track
    unknown = [k for k in overrides if k not in TUNABLE]
    if unknown:
        raise ConfigError(f"TRACK override {unknown[0]!r} is not tunable (tunable: {', '.join(TUNABLE)})")
    return dataclasses.replace(track, **{k: type(getattr(track, k))(v) for k, v in overrides.items()})


@dataclass
class SiamBANFactory:
    """Builds SiamBAN trackers from ``config`` (bundled name, YAML path or config) and ``weights``, through
    ``siamban.api.load_network`` (loaded once per process, then shared by every tracker it makes)."""

    config: str | Path | SiamBANConfig
    weights: str | Path
    preset: str | None = None
    device: str | None = None
    precision: Precision = "fp32"
    optimize: bool = True
    backend: str = "torch"
    _loaded: Any = field(default=None, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_loaded"] = None  # workers load their own copy
        return state

    def resolved_config(self) -> SiamBANConfig:
        cfg = self.config if isinstance(self.config, SiamBANConfig) else resolve_config(self.config)
        return with_tracker_preset(cfg, self.preset) if self.preset else cfg

    def __call__(self, overrides: Mapping[str, float] | None = None):
        from siamban.api import load_network

        if self._loaded is None:
            self._loaded = load_network(self.resolved_config(), self.weights, device=self.device,
                                        precision=self.precision, optimize=self.optimize, backend=self.backend)
        return self._loaded.tracker(with_track_overrides(self._loaded.config.track, overrides))


# ----------------------------------------------------------------------------------------------------------------------
# OpenCV trackers

_OPENCV: dict[str, str] = {"csrt": "TrackerCSRT", "kcf": "TrackerKCF", "mil": "TrackerMIL"}


def opencv_tracker_constructor(kind: str) -> Callable[[], Any]:
    """The function that makes a new OpenCV tracker of ``kind`` (``cv2.TrackerCSRT.create`` or, in older builds,
    ``cv2.TrackerCSRT_create``). DependencyError saying which package to install when this cv2 build lacks it:
    CSRT and KCF live only in OpenCV's contrib build."""
    import cv2

    key = kind.lower()
    if key not in _OPENCV:
        raise InputError(f"unknown OpenCV tracker {kind!r} (known: {', '.join(_OPENCV)})")
    name = _OPENCV[key]
    tracker_class = getattr(cv2, name, None)
    if tracker_class is not None and hasattr(tracker_class, "create"):
        return tracker_class.create
    legacy = getattr(cv2, f"{name}_create", None)
    if legacy is not None:
        return legacy
    raise DependencyError(
        f"the OpenCV {key} tracker is not in this cv2 build ({cv2.__version__}): it needs OpenCV's contrib build; "
        "uninstall the other cv2 package (pip uninstall opencv-python-headless opencv-python), "
        "then pip install opencv-contrib-python-headless"
    )


class OpenCVTracker:
    """An OpenCV tracker (``csrt``, ``kcf``, ``mil``) with siamban's interface. OpenCV takes integer boxes, so the
    initial box is rounded; a frame where OpenCV reports a failure keeps the last box with score 0."""

    def __init__(self, kind: str = "csrt") -> None:
        self._create: Callable[[], Any] = opencv_tracker_constructor(kind)
        self._tracker: Any = None
        self._box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    def init(self, image: np.ndarray, box_xywh: Seq[float]) -> None:
        self._tracker = self._create()
        x, y, w, h = (float(v) for v in box_xywh)
        self._box = (x, y, w, h)
        self._tracker.init(image, tuple(int(round(v)) for v in box_xywh))

    def track(self, image: np.ndarray) -> TrackResult:
        if self._tracker is None:
            raise InputError("OpenCVTracker.track called before init")
        ok, box = self._tracker.update(image)
        if not ok:
            return TrackResult(box=self._box, score=0.0)
        x, y, w, h = (float(v) for v in box)
        self._box = (x, y, w, h)
        return TrackResult(box=self._box, score=1.0)


@dataclass(frozen=True)
class OpenCVFactory:
    """Picklable factory of ``OpenCVTracker(kind)`` (it accepts no hyper-parameter overrides)."""

    kind: str = "csrt"

    def __post_init__(self) -> None:
        opencv_tracker_constructor(self.kind)  # a missing contrib build fails before any sequence is run

    def __call__(self, overrides: Mapping[str, float] | None = None) -> OpenCVTracker:
        if overrides:
            raise ConfigError(f"the OpenCV {self.kind} tracker takes no overrides, got {', '.join(overrides)}")
        return OpenCVTracker(self.kind)
