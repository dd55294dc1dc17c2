"""Names users type for registered things (benchmark datasets, raw training formats): one spelling rule for all."""

from __future__ import annotations

from typing import Iterable, Mapping

from siamban.errors import DatasetError


def squash(name: str) -> str:
    """``name`` as names are compared: case, ``-``, ``_`` and spaces ignored (``got-10k`` = ``GOT10K``)."""
    return "".join(ch for ch in name.upper() if ch not in "-_ ")


def resolve_name(
    name: str, known: Iterable[str], aliases: Mapping[str, str] | None = None, what: str = "dataset"
) -> str:
    """The registered spelling in ``known`` of ``name`` or of its alias; DatasetError listing ``known`` otherwise."""
    known = list(known)
    key = squash(name)
    for registered in known:
        if squash(registered) == key:
            return registered
    for alias, target in (aliases or {}).items():
        if squash(alias) == key:
            return target
    raise DatasetError(f"unknown {what} {name!r} (known: {', '.join(known)})")
