"""Data roles (``train`` / ``val`` / ``heldout``, from a folder's ``index.json``): only ``train`` data may train.

Val data choose settings and held-out data make the final report, so neither may ever reach training: every
training reader calls ``require_train`` on the names it is asked for, and takes the ``train`` ones by default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from siamban.errors import DatasetError
from siamban.io.sequences import read_roles

TRAIN_ROLE = "train"


def train_names(roles: dict[str, str]) -> list[str]:
    """The names whose role is ``train``."""
    return [name for name, role in roles.items() if role == TRAIN_ROLE]


def require_train(root: Path, names: Iterable[str], roles: dict[str, str] | None = None) -> None:
    """Raise DatasetError naming the first of ``names`` whose role in ``root/index.json`` is not ``train``."""
    roles = read_roles(root) if roles is None else roles
    for name in names:
        role = roles.get(name)
        if role is not None and role != TRAIN_ROLE:
            raise DatasetError(
                f"{root / 'index.json'}: {name} is a {role} sequence; only train-role data may be used for training"
            )
