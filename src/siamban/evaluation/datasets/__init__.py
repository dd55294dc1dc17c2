"""Benchmark readers, one module per on-disk format, all returning ``Benchmark`` of ``Sequence`` records."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable

from siamban.evaluation.datasets.base import Benchmark, Sequence, read_annotation, read_flags
from siamban.evaluation.datasets.folders import load_folders
from siamban.evaluation.datasets.got10k import load_got10k
from siamban.evaluation.datasets.lasot import load_lasot
from siamban.evaluation.datasets.nfs import load_nfs
from siamban.evaluation.datasets.otb import load_otb
from siamban.evaluation.datasets.uav import load_uav
from siamban.evaluation.datasets.vot import EAO_INTERVALS, load_vot
from siamban.errors import DatasetError
from siamban.registry import resolve_name

#: Dataset names accepted by ``load_benchmark`` (and ``siamban test/eval --dataset``).
LOADERS: dict[str, Callable[..., Benchmark]] = {
    "OTB100": partial(load_otb, version="OTB100"),
    "OTB2013": partial(load_otb, version="OTB2013"),
    "VOT2016": partial(load_vot, edition="VOT2016"),
    "VOT2017": partial(load_vot, edition="VOT2017"),
    "VOT2018": partial(load_vot, edition="VOT2018"),
    "VOT2019": partial(load_vot, edition="VOT2019"),
    "UAV123": partial(load_uav, version="UAV123"),
    "UAV20L": partial(load_uav, version="UAV20L"),
    "NFS30": partial(load_nfs, fps=30),
    "NFS240": partial(load_nfs, fps=240),
    "LaSOT": partial(load_lasot, split="test"),
    "GOT-10k": partial(load_got10k, split="test"),
    "GOT-10k-val": partial(load_got10k, split="val"),
    # any folder of OTB-layout or video.mp4 sequences with an optional index.json (names, roles), e.g. a home-made
    # set or this project's real data
    "folders": load_folders,
}

_ALIASES = {"OTB": "OTB100", "OTB2015": "OTB100", "NFS": "NFS30", "SEQUENCES": "folders", "SHARED": "folders"}


def canonical_name(name: str) -> str:
    """The registered spelling of a dataset name (case, ``-`` and ``_`` ignored; common aliases accepted)."""
    return resolve_name(name, LOADERS, _ALIASES)


def load_benchmark(
    name: str, root: str | Path, names: list[str] | None = None, roles: list[str] | None = None
) -> Benchmark:
    """Read benchmark ``name`` from its official layout under ``root``; ``names`` keeps only those sequences,
    ``roles`` only the sequences whose role (``index.json`` of the ``folders`` layout) is one of them."""
    key = canonical_name(name)
    root = Path(root)
    if not root.exists():
        raise DatasetError(f"{root}: dataset root not found")
    benchmark = LOADERS[key](root, names=names)
    benchmark.name = key
    if names:
        unknown = [n for n in names if not any(s.name == n or s.name.startswith(n + "-") for s in benchmark)]
        if unknown:
            raise DatasetError(f"{root}: no sequence named {unknown[0]!r} in {key}")
    if roles:
        known = sorted({s.meta["role"] for s in benchmark if "role" in s.meta})
        if not known:
            raise DatasetError(f"{root}: {key} gives its sequences no roles (an index.json with \"role\" entries)")
        kept = [s.name for s in benchmark if s.meta.get("role") in roles]
        if not kept:
            raise DatasetError(f"{root}: no sequence with role {' or '.join(roles)} (roles here: {', '.join(known)})")
        benchmark = benchmark.select(kept)
    return benchmark


__all__ = [
    "Benchmark",
    "EAO_INTERVALS",
    "LOADERS",
    "Sequence",
    "canonical_name",
    "load_benchmark",
    "read_annotation",
    "read_flags",
]
