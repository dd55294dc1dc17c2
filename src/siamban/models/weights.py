"""Reading model weights: official model-zoo files and our own checkpoints, with honest key reporting."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Mapping, TypeVar

import torch
from torch import nn

from siamban.errors import CheckpointError

_WRAPPER_KEYS = ("state_dict", "model")


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Load a state dict from ``path`` with ``weights_only=True``.

    Accepts a raw state dict, a training checkpoint ``{'state_dict': ..., 'epoch', 'optimizer'}`` (official) or
    ``{'model': ...}`` (ours), with or without a ``module.`` prefix (DataParallel/DDP).
    """
    path = Path(path)
    return unwrap_state_dict(load_checkpoint_file(path), str(path))


def load_checkpoint_file(path: str | Path) -> Any:
    """``torch.load(path, weights_only=True)`` on the CPU; any failure (a missing file, a text or truncated file,
    a pickle with forbidden globals) is one CheckpointError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint file not found")
    try:
        with warnings.catch_warnings():  # torch's notes on odd pickle protocols are noise next to our one line
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except MemoryError:
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint (it asks for more memory than there is)") \
            from None
    except Exception as exc:  # noqa: BLE001 - junk files raise anything (IndexError, KeyError, ...) from the unpickler
        text = str(exc).strip()
        first = f"{type(exc).__name__}: {text.splitlines()[0][:200]}" if text else type(exc).__name__
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint ({first})") from None


def check_finite(state: Mapping[str, torch.Tensor], where: str = "checkpoint") -> None:
    """CheckpointError naming the first floating-point tensor holding NaN or infinity (a diverged run's weights)."""
    bad = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(f"{where}: {len(bad)} tensors hold NaN or infinite values ({summarise_names(bad, 3)}); "
                              "the run that wrote it diverged")


def unwrap_state_dict(obj: Any, where: str = "checkpoint") -> dict[str, torch.Tensor]:
    """Strip a training-checkpoint wrapper and a ``module.`` prefix; keep only tensors, which must all be finite
    (else CheckpointError)."""
    if isinstance(obj, Mapping):
        for key in _WRAPPER_KEYS:
            if key in obj and isinstance(obj[key], Mapping):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not obj:
        raise CheckpointError(f"{where}: holds no state dict")
    state = {}
    for key, value in obj.items():
        if not isinstance(value, torch.Tensor) or not isinstance(key, str):
            continue
        name = key[len("module.") :] if key.startswith("module.") else key
        state[name] = value
    if not state:
        raise CheckpointError(f"{where}: holds no tensors")
    check_finite(state, where)
    return state


def summarise_names(names: list[str], limit: int = 6) -> str:
    """The first ``limit`` names, then how many more (for one-line key reports)."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_state_dict(model: nn.Module, state: Mapping[str, torch.Tensor]) -> tuple[list, list, list]:
    """Compare ``state`` with ``model``'s: (missing keys, unexpected keys, [(key, expected, got) mis-shaped])."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    misshaped = [
        (k, tuple(expected[k].shape), tuple(state[k].shape))
        for k in expected
        if k in state and tuple(expected[k].shape) != tuple(state[k].shape)
    ]
    return missing, unexpected, misshaped


_Model = TypeVar("_Model", bound=nn.Module)


def load_weights(model: _Model, source: str | Path | Mapping[str, torch.Tensor], strict: bool = True) -> _Model:
    """Load weights into ``model``; with ``strict``, any missing, unexpected or mis-shaped key is one clear error."""
    where = str(source) if isinstance(source, (str, Path)) else "state dict"
    state = read_state_dict(source) if isinstance(source, (str, Path)) else unwrap_state_dict(source, where)
    missing, unexpected, misshaped = check_state_dict(model, state)
    if misshaped or (strict and (missing or unexpected)):
        raise CheckpointError(
            f"{where} does not fit the model config: {describe_mismatch(missing, unexpected, misshaped)}"
        )
    model.load_state_dict(state, strict=False)
    return model


def describe_mismatch(missing: list, unexpected: list, misshaped: list) -> str:
    """One line summarising what ``check_state_dict`` found ("" when the state fits exactly)."""
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing ({summarise_names(missing)})")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected ({summarise_names(unexpected)})")
    if misshaped:
        shown = [f"{k} expects {list(e)} got {list(g)}" for k, e, g in misshaped]
        parts.append(f"{len(misshaped)} mis-shaped ({summarise_names(shown, 3)})")
    return "; ".join(parts)
