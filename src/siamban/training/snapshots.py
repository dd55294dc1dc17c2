"""Training snapshots (atomic, resumable, with RNG states) and pretrained initialisation with honest key reports.

A snapshot ``checkpoint_e{N}.pth`` is written after epoch N (1-based count of finished epochs, the official naming)
and holds ``model`` (the bare model's state dict, also under ``state_dict`` so the official tools read it),
``optimizer``, ``scheduler``, ``epoch`` (= N, the 0-based index of the next epoch), ``rng`` and ``config``. Every
value is a tensor or plain Python data, so it loads with ``torch.load(..., weights_only=True)`` and
``siamban.models.load_weights`` reads the model from it.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from torch import nn

from siamban.errors import CheckpointError
from siamban.io.atomic import atomic_write, remove_stale_temporaries
from siamban.models.weights import (
    check_finite,
    check_state_dict,
    describe_mismatch,
    load_checkpoint_file,
    read_state_dict,
    summarise_names,
)

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

    A crash at any moment leaves either the previous file or the complete new one, never a partial file (the
    temporary file of a killed write is removed by ``remove_stale_snapshots`` at the next start).
    """
    path = Path(path)
    with atomic_write(path, "wb") as handle:
        torch.save(dict(payload), handle)
    return path


def remove_stale_snapshots(snapshot_dir: str | Path) -> list[Path]:
    """Delete the temporary files (``.checkpoint_eN.pth.PID.tmp``) of snapshot writes killed part-way."""
    return remove_stale_temporaries(snapshot_dir, r"checkpoint_e\d+\.pth")


_RNG_KEYS = ("python", "numpy", "torch")


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a training snapshot (``weights_only``); CheckpointError if it is unreadable, not a snapshot, or
    incomplete (no RNG states, non-finite weights)."""
    path = Path(path)
    payload = load_checkpoint_file(path)
    needed = ("model", "optimizer", "scheduler", "epoch")
    if not isinstance(payload, Mapping) or any(k not in payload for k in needed):
        raise CheckpointError(
            f"{path}: not a siamban training snapshot (needs {', '.join(needed)}); to start training from a model's "
            "weights set TRAIN.PRETRAINED instead"
        )
    model = payload["model"]
    if not isinstance(model, Mapping) or not model or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in model.items()
    ):
        raise CheckpointError(f"{path}: the snapshot's 'model' is not a state dict of tensors")
    check_finite(model, str(path))
    for key in ("optimizer", "scheduler"):
        if not isinstance(payload[key], Mapping):
            raise CheckpointError(f"{path}: the snapshot's {key!r} is not a state dict")
    epoch = payload["epoch"]
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise CheckpointError(f"{path}: the snapshot's 'epoch' {epoch!r} is not a count of finished epochs")
    rng = payload.get("rng")
    if not isinstance(rng, Mapping) or any(k not in rng for k in _RNG_KEYS):
        raise CheckpointError(f"{path}: the snapshot has no random-generator states ('rng' with "
                              f"{', '.join(_RNG_KEYS)}), so training cannot resume exactly; start from its weights "
                              "with TRAIN.PRETRAINED instead")
    return dict(payload)


def restore_snapshot(model: nn.Module, snapshot: Mapping[str, Any], where: str) -> None:
    """Load a snapshot's weights into ``model``; CheckpointError when it is another architecture's."""
    missing, unexpected, misshaped = check_state_dict(model, snapshot["model"])
    if missing or unexpected or misshaped:
        raise CheckpointError(f"{where}: a snapshot of another model (the config's architecture differs): "
                              f"{describe_mismatch(missing, unexpected, misshaped)}")
    model.load_state_dict(snapshot["model"])


def restore_optimizer(optimizer: Any, scheduler: Any, snapshot: Mapping[str, Any], where: str) -> None:
    """Load a snapshot's optimiser and schedule states; CheckpointError when they do not fit."""
    try:
        optimizer.load_state_dict(snapshot["optimizer"])
        scheduler.load_state_dict(snapshot["scheduler"])
    except (KeyError, ValueError, TypeError, RuntimeError, IndexError, AttributeError) as exc:
        raise CheckpointError(f"{where}: the snapshot's optimiser state does not fit this model and config "
                              f"({type(exc).__name__}: {str(exc).strip()[:160]})") from None


# ----------------------------------------------------------------------------------------------------------------------
# Random number generators


def capture_rng_state() -> dict[str, Any]:
    """Python, NumPy, torch and (when initialised) CUDA generator states, as weights-only-loadable data."""
    legacy = np.random.get_state(legacy=True)
    assert isinstance(legacy, tuple)  # the global RandomState is an MT19937: its legacy state is a tuple
    name, keys, pos, has_gauss, cached = legacy
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": (name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Mapping[str, Any], where: str = "snapshot") -> None:
    """Inverse of ``capture_rng_state`` (CUDA states are restored only where CUDA is in use); CheckpointError naming
    ``where`` when the states are malformed."""
    try:
        _restore_rng_state(state)
    except (KeyError, ValueError, TypeError, RuntimeError, IndexError, AttributeError) as exc:
        raise CheckpointError(f"{where}: malformed random-generator states ({type(exc).__name__}: "
                              f"{str(exc).strip()[:160]})") from None


def _restore_rng_state(state: Mapping[str, Any]) -> None:
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
        report += (
            f"; {len(missing)} model tensors not in the file keep their initial values ({summarise_names(missing)})"
        )
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
