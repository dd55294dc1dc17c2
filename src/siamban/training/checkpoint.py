"""Training snapshots (atomic, resumable, with RNG states) and pretrained initialisation with honest key reports.

A snapshot ``checkpoint_e{N}.pth`` is written after epoch N (1-based count of finished epochs, the official naming)
and holds ``model`` (the bare model's state dict, also under ``state_dict`` so the official tools read it),
``optimizer``, ``scheduler``, ``epoch`` (= N, the 0-based index of the next epoch), ``rng`` and ``config``. Every
value is a tensor or plain Python data, so it loads with ``torch.load(..., weights_only=True)`` and
``siamban.models.load_weights`` reads the model from it.
"""

from __future__ import annotations

import os
import pickle
import random
import re
import zipfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from torch import nn

from siamban.errors import CheckpointError
from siamban.models.checkpoint import check_state_dict, read_state_dict, summarise_names

_SNAPSHOT = re.compile(r"^checkpoint_e(\d+)\.pth$")


def checkpoint_path(snapshot_dir: str | Path, epochs_done: int) -> Path:
    return Path(snapshot_dir) / f"checkpoint_e{epochs_done}.pth"


def latest_checkpoint(snapshot_dir: str | Path) -> Path | None:
    """The snapshot with the most finished epochs in ``snapshot_dir`` (temporary files never count), or None."""
    folder = Path(snapshot_dir)
    if not folder.is_dir():
        return None
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _SNAPSHOT.match(p.name)) and p.is_file()]
    return max(found)[1] if found else None


def resolve_resume(resume: str | Path, snapshot_dir: str | Path) -> Path | None:
    """``auto``: the latest snapshot in ``snapshot_dir`` (None when there is none); otherwise the file itself."""
    if str(resume) == "auto":
        return latest_checkpoint(snapshot_dir)
    path = Path(resume)
    if not path.is_file():
        raise CheckpointError(f"--resume {path}: no such checkpoint file")
    return path


def save_checkpoint(payload: Mapping[str, Any], path: str | Path) -> Path:
    """Write ``payload`` atomically: a temporary file in the same folder, flushed to disk, then renamed over ``path``.

    A crash at any moment leaves either the previous file or the complete new one, never a partial file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            torch.save(dict(payload), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a training snapshot (``weights_only``); CheckpointError if it is unreadable or not a snapshot."""
    path = Path(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: checkpoint file not found") from None
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint ({first})") from None
    needed = ("model", "optimizer", "scheduler", "epoch")
    if not isinstance(payload, Mapping) or any(k not in payload for k in needed):
        raise CheckpointError(
            f"{path}: not a siamban training snapshot (needs {', '.join(needed)}); to start training from a model's "
            "weights set TRAIN.PRETRAINED instead"
        )
    return dict(payload)


# ----------------------------------------------------------------------------------------------------------------------
# Random number generators


def capture_rng_state() -> dict[str, Any]:
    """Python, NumPy, torch and (when initialised) CUDA generator states, as weights-only-loadable data."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": (name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Mapping[str, Any]) -> None:
    """Inverse of ``capture_rng_state`` (CUDA states are restored only where CUDA is in use)."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


# ----------------------------------------------------------------------------------------------------------------------
# Pretrained initialisation


def load_matching(module: nn.Module, state: Mapping[str, torch.Tensor], where: str) -> str:
    """Load the entries of ``state`` whose names ``module`` has; return a one-line report of what matched.

    Keys the module lacks and module keys the file lacks are reported, not fatal; a shape mismatch, or no key in
    common at all, is a CheckpointError.
    """
    missing, unexpected, misshaped = check_state_dict(module, state)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if misshaped:
        shown = [f"{k} expects {list(e)} got {list(g)}" for k, e, g in misshaped]
        raise CheckpointError(f"{where}: {len(misshaped)} mis-shaped tensors ({summarise_names(shown, 3)})")
    expected = module.state_dict()
    matched = {k: v for k, v in state.items() if k in expected}
    if not matched:
        raise CheckpointError(
            f"{where}: no tensor name in common with the model (model: {summarise_names(list(expected), 3)}; "
            f"file: {summarise_names(list(state), 3)})"
        )
    module.load_state_dict(matched, strict=False)
    report = f"{where}: loaded {len(matched)} tensors"
    if missing:
        report += f"; {len(missing)} model tensors not in the file keep their initial values ({summarise_names(missing)})"
    if unexpected:
        report += f"; {len(unexpected)} file tensors unused ({summarise_names(unexpected)})"
    return report


def load_pretrained_backbone(backbone: nn.Module, spec: str) -> str:
    """Initialise the backbone from ``BACKBONE.PRETRAINED`` and return a report.

    A backbone with a ``load_pretrained(spec)`` method interprets ``spec`` itself; otherwise ``spec`` is a state-dict
    file (raw, or wrapped in ``state_dict``/``model``, with or without ``module.``) loaded by key name.
    """
    loader = getattr(backbone, "load_pretrained", None)
    if callable(loader):
        unused = list(loader(spec) or ())
        note = f"; {len(unused)} file tensors unused ({summarise_names(unused, 3)})" if unused else ""
        return f"BACKBONE.PRETRAINED {spec}: loaded by {type(backbone).__name__}{note}"
    path = Path(spec)
    if not path.is_file():
        raise CheckpointError(
            f"BACKBONE.PRETRAINED {spec}: file not found (ImageNet-pretrained backbone weights; nothing is "
            "downloaded). Point it at the file, or set it to '' to start the backbone from random weights"
        )
    return load_matching(backbone, read_state_dict(path), f"BACKBONE.PRETRAINED {path}")


def load_pretrained_model(model: nn.Module, path: str | Path) -> str:
    """Initialise the whole model from ``TRAIN.PRETRAINED`` (any model checkpoint) by key name; return a report."""
    return load_matching(model, read_state_dict(path), f"TRAIN.PRETRAINED {path}")
