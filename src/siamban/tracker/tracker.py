"""The online SiamBAN tracker, OpenCV style: ``init(image, box)`` then ``track(image)`` per frame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np
import torch

from siamban.config import TrackConfig
from siamban.errors import InputError
from siamban.geometry import check_box_xywh, context_size, score_size, xywh_center
from siamban.tracker.crops import HostCrops, Pixels, crop_backend
from siamban.tracker.postprocess import StepResult, TargetState, cosine_window, point_grid, update_state


class TrackingNetwork(Protocol):
    """What the trackers need of a network: a ``SiamBAN`` module, or a runtime backend with its interface."""

    def to(self, device: torch.device) -> "TrackingNetwork": ...

    def eval(self) -> "TrackingNetwork": ...

    def template(self, z: torch.Tensor) -> tuple[torch.Tensor, ...]: ...

    def track(self, x: torch.Tensor, kernels: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]: ...


@dataclass(frozen=True)
class TrackResult:
    """What ``track`` returns for one frame.

    ``box`` is (x, y, w, h) in 0-based frame pixels. ``score`` is the classification score of the chosen box after
    the shape-change penalty (the confidence to threshold); ``raw_score`` the plain foreground probability (what the
    official tracker reports as ``best_score``). ``lost`` is True while the target is considered lost: the box is
    then the last confident one.
    """

    box: tuple[float, float, float, float]
    score: float
    raw_score: float = 1.0
    lost: bool = False


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def check_image(image: np.ndarray, what: str = "image") -> np.ndarray:
    """Validate an HxWx3 uint8 frame; raise InputError naming what is wrong."""
    if not isinstance(image, np.ndarray):
        raise InputError(f"{what}: expected an HxWx3 uint8 numpy array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise InputError(f"{what}: expected shape HxWx3, got {image.shape}")
    if image.dtype != np.uint8:
        raise InputError(f"{what}: expected dtype uint8, got {image.dtype}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise InputError(f"{what}: empty image {image.shape}")
    return image


@dataclass(frozen=True)
class TrackerSnapshot:
    """Where a tracker stands between frames (target state and lost bookkeeping), without its template kernels."""

    state: TargetState
    confident_state: TargetState
    lost: bool
    low_frames: int


@dataclass(frozen=True)
class SearchCrop:
    """A search crop, with what ``apply_maps`` needs to map the network's output for it back to the frame."""

    pixels: Pixels  # HxWx3 uint8 (OpenCV crop on the host) or (1, 3, H, W) float (device crop)
    scale_z: float
    image_hw: tuple[int, int]
    instance: int
    backend: HostCrops

    @property
    def tensor(self) -> torch.Tensor:
        """The network input (1, 3, instance, instance) on the tracker's device."""
        return stack_crops([self])


def stack_crops(crops: Sequence[SearchCrop]) -> torch.Tensor:
    """The network input (N, 3, H, W) of ``crops`` (one size, one crop backend)."""
    return crops[0].backend.stack([c.pixels for c in crops])


class SiamBANTracker:
    """Follow one target with a SiamBAN network.

    Images are HxWx3 uint8 arrays, BGR by default (as OpenCV reads them); pass ``rgb=True`` for RGB input.
    ``init`` may be called again at any frame (e.g. with a detector's box) to restart on a new box.
    """

    def __init__(
        self,
        model: TrackingNetwork,
        config: TrackConfig | None = None,
        stride: int = 8,
        device: str | torch.device | None = None,
        rgb: bool = False,
        device_crop: bool = False,
    ) -> None:
        self.config = config or TrackConfig()
        self.stride = stride
        self.device = torch.device(device) if device is not None else default_device()
        self.model = model.to(self.device).eval()
        self.rgb = rgb
        #: where crops are cut: OpenCV on the host, or torch ops on the device (``siamban.tracker.crops``)
        self.crops = crop_backend(self.device, device_crop)
        self._grids: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.kernels: tuple[torch.Tensor, ...] | None = None
        self.state: TargetState | None = None
        self.channel_average: np.ndarray | None = None
        self.lost = False
        self._low_frames = 0
        self._confident_state: TargetState | None = None

    @property
    def device_crop(self) -> bool:
        """Whether crops are cut on the device with torch ops (the frame uploaded once) rather than by OpenCV."""
        return self.crops.on_device

    @device_crop.setter
    def device_crop(self, on_device: bool) -> None:
        self.crops = crop_backend(self.device, on_device)

    def clone(self) -> "SiamBANTracker":
        """A new, uninitialised tracker with this one's network, settings, device and colour order."""
        return SiamBANTracker(self.model, self.config, stride=self.stride, device=self.device, rgb=self.rgb,
                              device_crop=self.device_crop)

    def _grid(self, instance_size: int) -> tuple[np.ndarray, np.ndarray]:
        """Point grid and cosine window for a search crop of ``instance_size`` (cached per size)."""
        if instance_size not in self._grids:
            size = score_size(instance_size, self.config.exemplar_size, self.stride, self.config.base_size)
            self._grids[instance_size] = (point_grid(self.stride, size), cosine_window(size))
        return self._grids[instance_size]

    def _bgr(self, image: np.ndarray, what: str) -> np.ndarray:
        image = check_image(image, what)
        return np.ascontiguousarray(image[:, :, ::-1]) if self.rgb else image

    def prepare_frame(self, image: np.ndarray, what: str = "frame") -> Pixels:
        """``image`` as the crops read it: checked and in BGR order; uploaded to the device when cropping there.

        Trackers that share the settings may share one prepared frame (``BatchTracker`` uploads a frame once).
        """
        return self.crops.prepare(self._bgr(image, what))

    @torch.inference_mode()
    def init(self, image: np.ndarray, box_xywh: Sequence[float]) -> None:
        """Start following the object in ``box_xywh`` (x, y, w, h, 0-based pixels) of ``image``."""
        image = self._bgr(image, "init image")
        box = check_box_xywh(box_xywh, image.shape)
        cx, cy = xywh_center(box)
        self.state = TargetState(center=np.array([[cx, cy]]), size=np.array([[box[2], box[3]]]))
        self._confident_state = self.state
        self.lost, self._low_frames = False, 0
        self.channel_average = image.mean(axis=(0, 1))
        s_z = round(context_size(box[2:], self.config.context_amount))
        center, fill = np.array([[cx, cy]]), self.channel_average[None]
        pixels = self.crops.cut(self.crops.prepare(image), center, self.config.exemplar_size, [s_z], fill)
        self.kernels = self.model.template(self.crops.stack(pixels))

    @torch.inference_mode()
    def track(self, image: np.ndarray) -> TrackResult:
        """Locate the target in the next frame."""
        crop = self.search_crop(image)
        assert self.kernels is not None  # search_crop raised otherwise
        cls, loc = self.model.track(crop.tensor, self.kernels)
        return self.apply_maps(crop, cls, loc)

    def search_crop(self, image: np.ndarray) -> "SearchCrop":
        """First half of ``track``: the search crop of ``image`` around the current state (batched trackers stack
        several targets' crops into one network call, then hand each its maps through ``apply_maps``)."""
        return self.search_crop_prepared(self.prepare_frame(image))

    def search_crop_prepared(self, frame: Pixels) -> "SearchCrop":
        """``search_crop`` of a frame that ``prepare_frame`` (of this tracker or one with the same settings) made."""
        return search_crops([self], frame)[0]

    def search_window(self) -> tuple[int, int, float]:
        """The next search crop's side, the side of its window in the frame, and the crop/frame scale."""
        if self.state is None or self.kernels is None:
            raise InputError("track() called before init(): give the tracker a first frame and box")
        cfg = self.config
        instance = self.search_size()
        s_z = context_size(self.state.size[0], cfg.context_amount)
        return instance, round(s_z * (instance / cfg.exemplar_size)), cfg.exemplar_size / s_z

    def search_size(self) -> int:
        """Side of the next search crop: ``LOST_INSTANCE_SIZE`` while lost, ``SMALL_INSTANCE_SIZE`` while the target
        is smaller than ``SMALL_TARGET_SIZE``, else ``INSTANCE_SIZE`` (all at the same scale)."""
        cfg = self.config
        if self.lost and cfg.lost_instance_size > 0:
            return cfg.lost_instance_size
        if cfg.small_instance_size > 0 and self.state is not None:
            w, h = self.state.size[0]
            if np.sqrt(w * h) < cfg.small_target_size:
                return cfg.small_instance_size
        return cfg.instance_size

    def apply_maps(self, crop: SearchCrop, cls: torch.Tensor, loc: torch.Tensor) -> TrackResult:
        """Second half of ``track``: the new state from the network's maps (batch 1) of ``crop``."""
        return apply_batch_maps([self], [crop], cls, loc)[0]

    def _accept(self, step: StepResult, row: int) -> TrackResult:
        """Take row ``row`` of a post-processing step as this tracker's new state (unless lost) and report it."""
        assert self.state is not None  # a tracker in a step has been initialised
        score = float(step.best_pscore[row])
        new_state = TargetState(step.state.center[row : row + 1], step.state.size[row : row + 1])
        if not (np.isfinite(new_state.center).all() and np.isfinite(new_state.size).all() and np.isfinite(score)):
            # maps that overflowed (untrained weights, fp16 out of range): hold the last box, with no confidence
            score, new_state = 0.0, self.state
        self._update_lost(score, new_state)
        assert self.state is not None
        x, y, w, h = self.state.boxes_xywh()[0]
        return TrackResult(
            box=(float(x), float(y), float(w), float(h)),
            score=score,
            raw_score=float(step.best_score[row]),
            lost=self.lost,
        )

    def snapshot(self) -> TrackerSnapshot:
        """The tracker's state between frames, to ``restore`` later (on this tracker or on one with other kernels:
        e.g. to branch, or to run two precisions from the same state)."""
        if self.state is None or self._confident_state is None:
            raise InputError("snapshot() called before init(): there is no target state yet")
        return TrackerSnapshot(self.state, self._confident_state, self.lost, self._low_frames)

    def restore(self, snapshot: TrackerSnapshot) -> None:
        """Continue from ``snapshot`` (the tracker keeps its own template kernels; ``init`` must have run)."""
        if self.kernels is None:
            raise InputError("restore() called before init(): the tracker has no template kernels")
        self.state, self._confident_state = snapshot.state, snapshot.confident_state
        self.lost, self._low_frames = snapshot.lost, snapshot.low_frames

    def _update_lost(self, score: float, new_state: TargetState) -> None:
        """Accept the new state unless the target is (or just became) lost; then hold the last confident one."""
        cfg = self.config
        if cfg.lost_score <= 0 or score >= cfg.lost_score:
            self.state = new_state
            self._confident_state = new_state
            self.lost, self._low_frames = False, 0
            return
        self._low_frames += 1
        if self.lost or self._low_frames >= cfg.lost_frames:
            self.lost = True
            self.state = self._confident_state
        else:
            self.state = new_state

    def update(self, image: np.ndarray) -> tuple[bool, tuple[float, float, float, float]]:
        """OpenCV's tracker convention (``ok, box = tracker.update(frame)``): ``track`` with ``ok`` False while the
        target is lost, and ``box`` the (x, y, w, h) of ``TrackResult.box``."""
        result = self.track(image)
        return not result.lost, result.box


def _frame_hw(frame: Pixels) -> tuple[int, int]:
    return int(frame.shape[0]), int(frame.shape[1])


def search_crops(trackers: Sequence[SiamBANTracker], frame: Pixels) -> list[SearchCrop]:
    """The next search crop of every tracker in ``trackers`` (one crop backend, e.g. a ``BatchTracker``'s targets) on
    one prepared frame: one ``cut`` per search size, so a device frame is cut with a fixed number of kernel launches
    for any number of targets."""
    windows = [tracker.search_window() for tracker in trackers]
    backend = trackers[0].crops
    crops: dict[int, SearchCrop] = {}
    for instance in sorted({w[0] for w in windows}):
        rows = [i for i, w in enumerate(windows) if w[0] == instance]
        states = [trackers[i].state for i in rows]
        averages = [trackers[i].channel_average for i in rows]
        centers = np.stack([s.center[0] for s in states if s is not None])
        pad_colors = np.stack([a for a in averages if a is not None])
        if len(centers) != len(rows) or len(pad_colors) != len(rows):
            raise InputError("track() called before init(): give the tracker a first frame and box")
        pixels = backend.cut(frame, centers, instance, [windows[i][1] for i in rows], pad_colors)
        for row, i in enumerate(rows):
            crops[i] = SearchCrop(pixels[row], windows[i][2], _frame_hw(frame), instance, backend)
    return [crops[i] for i in range(len(trackers))]


def apply_batch_maps(
    trackers: Sequence[SiamBANTracker], crops: Sequence[SearchCrop], cls: torch.Tensor, loc: torch.Tensor
) -> list[TrackResult]:
    """Second half of ``track`` for trackers whose crops (one size) went through the network together: row i of the
    maps belongs to ``crops[i]`` of ``trackers[i]``. The maps come to the host once, and the post-processing runs
    once for the tracking targets and once for the lost ones (no cosine window); the trackers share one config."""
    first = trackers[0]
    points, window = first._grid(crops[0].instance)
    cls_host, loc_host = cls.float().cpu().numpy(), loc.float().cpu().numpy()
    results: dict[int, TrackResult] = {}
    for lost in (False, True):
        rows = [i for i, tracker in enumerate(trackers) if tracker.lost == lost]
        if not rows:
            continue
        states = [trackers[i].state for i in rows]
        if any(state is None for state in states):
            raise InputError("track() called before init(): give the tracker a first frame and box")
        with np.errstate(all="ignore"):  # non-finite maps are caught in _accept
            step = update_state(
                cls_host[rows],
                loc_host[rows],
                TargetState(np.concatenate([s.center for s in states if s is not None]),
                            np.concatenate([s.size for s in states if s is not None])),
                np.array([crops[i].scale_z for i in rows]),
                np.array([crops[i].image_hw for i in rows]),
                first.config,
                points,
                window,
                window_influence=0.0 if lost else None,
            )
        for row, i in enumerate(rows):
            results[i] = trackers[i]._accept(step, row)
    return [results[i] for i in range(len(trackers))]
