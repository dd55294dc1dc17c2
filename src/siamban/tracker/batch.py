"""Many targets, one network call per step: ``BatchTracker`` follows N targets (in one video or in N videos).

Each target is an ordinary ``SiamBANTracker`` over the shared network (its state, penalties and lost-target logic
unchanged); per step their search crops go through the network as one batch against the targets' stacked kernels,
and each target gets its row of the maps back. Targets searching a wider region after a loss form their own batch.
"""

from __future__ import annotations

import itertools
from typing import Any, Hashable, Iterable, Mapping, Sequence, TypeVar, overload

import numpy as np
import torch

from siamban.config import TrackConfig
from siamban.errors import InputError
from siamban.tracker.tracker import (
    SearchCrop,
    SiamBANTracker,
    TrackingNetwork,
    TrackResult,
    apply_batch_maps,
    search_crops,
    stack_crops,
)

#: The type of the target ids a caller names (``track({id: frame, ...})`` answers with the same ids).
TargetId = TypeVar("TargetId", bound=Hashable)


class BatchTracker:
    """Follow any number of targets with one network; ``add`` and ``remove`` targets at any frame.

    ``track(frame)`` advances every target on one frame (one video); ``track({id: frame, ...})`` advances the named
    targets, each on its own frame (N videos). Same boxes as one ``SiamBANTracker`` per target, up to float32
    summation order in the batched network call.
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
        self._start(SiamBANTracker(model, config, stride=stride, device=device, rgb=rgb, device_crop=device_crop))

    def _start(self, prototype: SiamBANTracker) -> None:
        """Empty target list; new targets copy ``prototype``'s network and settings."""
        self._prototype = prototype
        self.model = prototype.model
        self._targets: dict[Hashable, SiamBANTracker] = {}
        self._stacked: dict[tuple[Hashable, ...], tuple[torch.Tensor, ...]] = {}
        self._ids = itertools.count()

    @classmethod
    def like(cls, tracker: SiamBANTracker) -> "BatchTracker":
        """A BatchTracker with ``tracker``'s network, settings, device and colour order."""
        batch = cls.__new__(cls)
        batch._start(tracker.clone())
        return batch

    @property
    def config(self) -> TrackConfig:
        return self._prototype.config

    @property
    def targets(self) -> list[Hashable]:
        """Ids of the targets followed, in the order they were added."""
        return list(self._targets)

    def __len__(self) -> int:
        return len(self._targets)

    def __contains__(self, target_id: Hashable) -> bool:
        return target_id in self._targets

    def add(self, image: np.ndarray, box_xywh: Sequence[float], target_id: Hashable | None = None) -> Hashable:
        """Start following the object in ``box_xywh`` of ``image``; return its id (``target_id``, or 0, 1, ...).

        An id already in use is re-initialised on the new box.
        """
        if target_id is None:
            target_id = next(i for i in self._ids if i not in self._targets)
        tracker = self._prototype.clone()
        tracker.init(image, box_xywh)
        self._targets.pop(target_id, None)
        self._targets[target_id] = tracker
        self._stacked.clear()
        return target_id

    def remove(self, target_id: Hashable) -> None:
        """Stop following ``target_id`` (InputError when it is not followed)."""
        if self._targets.pop(target_id, None) is None:
            raise InputError(f"no target {target_id!r} to remove (targets: {self.targets})")
        self._stacked.clear()

    @overload
    def track(self, images: np.ndarray) -> dict[Hashable, TrackResult]: ...

    @overload
    def track(self, images: Mapping[TargetId, np.ndarray]) -> dict[TargetId, TrackResult]: ...

    @torch.inference_mode()
    def track(self, images: np.ndarray | Mapping[Any, np.ndarray]) -> dict[Any, TrackResult]:
        """Advance the targets one frame: every target on ``images`` when it is one frame, else each named target on
        its own frame. One network call per search-crop size (normally one)."""
        if isinstance(images, np.ndarray):
            frames: Mapping[Hashable, np.ndarray] = {target_id: images for target_id in self._targets}
        else:
            frames = images
            unknown = [t for t in frames if t not in self._targets]
            if unknown:
                raise InputError(f"track(): unknown target {unknown[0]!r} (targets: {self.targets})")
        by_frame: dict[int, list[Hashable]] = {}  # by frame object: a shared frame is checked, uploaded and cut once
        for t, frame in frames.items():
            by_frame.setdefault(id(frame), []).append(t)
        crops: dict[Hashable, SearchCrop] = {}
        for ids in by_frame.values():
            prepared = self._prototype.prepare_frame(frames[ids[0]])
            crops.update(zip(ids, search_crops([self._targets[t] for t in ids], prepared)))
        groups: dict[int, list[Hashable]] = {}
        for t, crop in crops.items():
            groups.setdefault(crop.instance, []).append(t)
        results: dict[Hashable, TrackResult] = {}
        for ids in groups.values():
            group = [crops[t] for t in ids]
            cls, loc = self.model.track(stack_crops(group), self._kernels(ids))
            results.update(zip(ids, apply_batch_maps([self._targets[t] for t in ids], group, cls, loc)))
        return {t: results[t] for t in frames}

    def _kernels(self, ids: Iterable[Hashable]) -> tuple[torch.Tensor, ...]:
        """The kernels of ``ids`` stacked along the batch (cached until a target is added or removed)."""
        key = tuple(ids)
        if key not in self._stacked:
            if len(self._stacked) >= 16:  # targets on their own videos come and go: keep the cache small
                self._stacked.clear()
            parts = zip(*(self._targets[t].kernels for t in key))
            self._stacked[key] = tuple(torch.cat(p) for p in parts)
        return self._stacked[key]

