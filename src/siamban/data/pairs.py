"""The training pairs the trainer consumes: a ``torch.utils.data.Dataset`` of template/search/labels dicts.

Item contract (sizes from ``TrainConfig``; defaults shown)::

    {"template": float32 (3, 127, 127) BGR pixel values (0..255 before the colour offset),
     "search": float32 (3, 255, 255),
     "label_cls": int64 (25, 25) in {-1 ignore, 0 negative, 1 positive},
     "label_loc": float32 (4, 25, 25) (l, t, r, b) distances in search-patch pixels,
     "search_box": float32 (4,) target box x1, y1, x2, y2 in search-patch pixels,
     "negative": bool}

Items are a pure function of (seed, epoch, index): call ``set_epoch(epoch)`` before iterating an epoch (with
DataLoader workers that are re-created per epoch, i.e. ``persistent_workers=False``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from siamban.config import DatasetSourceConfig, SiamBANConfig
from siamban.data.augmentation import Augmentation
from siamban.data.datasets import PreparedDataset, SequenceFolderDataset, TrackingDataset
from siamban.data.labels import LABEL_SHAPES, assign_labels, label_points
from siamban.data.sampler import PairSampler, PairSpec
from siamban.errors import ConfigError, DatasetError
from siamban.geometry import score_size


class PairDataset(torch.utils.data.Dataset):
    """Training pairs drawn from ``datasets`` with the sampling, augmentation and labels of ``cfg``."""

    def __init__(self, datasets: Sequence[TrackingDataset], cfg: SiamBANConfig, seed: int | None = None) -> None:
        train, data = cfg.train, cfg.dataset
        stride = cfg.point.stride
        expected = score_size(train.search_size, train.exemplar_size, stride, train.base_size)
        if expected != train.output_size:
            raise ConfigError(
                f"TRAIN.OUTPUT_SIZE is {train.output_size} but (SEARCH_SIZE - EXEMPLAR_SIZE) // POINT.STRIDE + 1 + "
                f"BASE_SIZE = ({train.search_size} - {train.exemplar_size}) // {stride} + 1 + {train.base_size} = "
                f"{expected}"
            )
        if data.label_shape not in LABEL_SHAPES:
            raise ConfigError(f"DATASET.LABEL_SHAPE: {data.label_shape!r} is not one of {', '.join(LABEL_SHAPES)}")
        self.cfg = cfg
        self.sampler = PairSampler(datasets, data.videos_per_epoch, data.neg, train.seed if seed is None else seed)
        self.template_aug = Augmentation(data.template)
        self.search_aug = Augmentation(data.search)
        self.points = label_points(train.search_size, train.output_size, stride)
        self.epoch = 0

    @property
    def datasets(self) -> list[TrackingDataset]:
        return self.sampler.datasets

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose pairs the items are (0-based)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.sampler)

    def pair(self, index: int) -> PairSpec:
        """Which frames item ``index`` of the current epoch pairs."""
        return self.sampler.draw(self.epoch, index, self.sampler.item_rng(self.epoch, index))

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not 0 <= index < len(self):
            raise IndexError(f"pair index {index} out of range 0..{len(self) - 1}")
        train, data = self.cfg.train, self.cfg.dataset
        rng = self.sampler.item_rng(self.epoch, index)
        pair = self.sampler.draw(self.epoch, index, rng)
        gray = bool(rng.random() < data.gray)
        t, s = pair.template, pair.search
        template_crop, template_box = self.datasets[t.dataset].get(t.sequence, t.frame, t.track)
        search_crop, search_box = self.datasets[s.dataset].get(s.sequence, s.frame, s.track)
        template, _ = self.template_aug(template_crop, template_box, train.exemplar_size, rng, gray)
        search, box = self.search_aug(search_crop, search_box, train.search_size, rng, gray)
        cls, loc = assign_labels(box, self.points, train, data.label_shape, pair.negative, rng)
        return {
            "template": torch.from_numpy(np.ascontiguousarray(template.transpose(2, 0, 1))),
            "search": torch.from_numpy(np.ascontiguousarray(search.transpose(2, 0, 1))),
            "label_cls": torch.from_numpy(cls),
            "label_loc": torch.from_numpy(loc),
            "search_box": torch.from_numpy(box.astype(np.float32)),
            "negative": pair.negative,
        }


def _resolve(path: str, base_dir: Path | None) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() or base_dir is None else base_dir / p


def build_dataset(
    name: str, source: DatasetSourceConfig, exemplar_size: int = 127, base_dir: str | Path | None = None
) -> TrackingDataset:
    """One dataset from its config section: the prepared layout (ROOT + ANNO) or an OTB-layout folder (no ANNO).

    Relative paths are taken from ``base_dir`` (default: the current directory).
    """
    base = Path(base_dir) if base_dir is not None else None
    if not source.root:
        raise DatasetError(f"DATASET.{name}.ROOT is empty: give the crop511 folder or a folder of sequences")
    root = _resolve(source.root, base)
    if source.anno:
        return PreparedDataset(
            name, root, _resolve(source.anno, base), source.frame_range, source.num_use, exemplar_size
        )
    return SequenceFolderDataset(
        name, root, source.sequences, source.frame_range, source.num_use, exemplar_size
    )


def build_pair_dataset(
    cfg: SiamBANConfig, seed: int | None = None, base_dir: str | Path | None = None
) -> PairDataset:
    """The training pairs of ``cfg``: every dataset of ``DATASET.NAMES`` from its ``DATASET.<NAME>`` section.

    ``seed`` defaults to ``TRAIN.SEED``. Raises DatasetError naming a missing root, index or section.
    """
    datasets = []
    for name in cfg.dataset.names:
        source = cfg.dataset.sources.get(name)
        if source is None:
            known = ", ".join(sorted(cfg.dataset.sources))
            raise DatasetError(f"DATASET.NAMES lists {name} but there is no DATASET.{name} section (have: {known})")
        datasets.append(build_dataset(name, source, cfg.train.exemplar_size, base_dir))
    return PairDataset(datasets, cfg, seed)
