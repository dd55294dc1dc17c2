"""Training scalars: one JSON line per record in ``LOG_DIR/scalars.jsonl``, and TensorBoard when it is installed.

TensorBoard comes with the ``train`` extra (``pip install 'siamban[train]'``); without it the JSONL file is the only
log, and the writer says so once.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from siamban.io.atomic import write_text_atomic

JSONL_NAME = "scalars.jsonl"


class ScalarWriter:
    """Writes ``{tag: value}`` records at a global step to JSONL and (if available) TensorBoard."""

    def __init__(
        self,
        log_dir: str | Path,
        say: Callable[[str], None] = print,
        tensorboard: bool = True,
        resume_step: int | None = None,
    ) -> None:
        """``resume_step``: a resumed run's first step is ``resume_step + 1``; records after it, left by the run that
        was interrupted, are cut from the JSONL log (and purged from TensorBoard) so no step is logged twice."""
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if resume_step is not None:
            dropped = truncate_scalars(self.log_dir, resume_step)
            if dropped:
                say(f"{self.log_dir / JSONL_NAME}: cut {dropped} records after step {resume_step}, the resumed "
                    "run logs them again")
        self._jsonl = open(self.log_dir / JSONL_NAME, "a", encoding="utf-8")
        self._tb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:  # torch's writer needs the tensorboard package
                say(
                    "tensorboard is not installed (pip install 'siamban[train]'): scalars go to "
                    f"{self.log_dir / JSONL_NAME} only"
                )
            else:
                purge = None if resume_step is None else resume_step + 1
                self._tb = SummaryWriter(str(self.log_dir), purge_step=purge)

    @property
    def tensorboard(self) -> bool:
        return self._tb is not None

    def write(self, step: int, scalars: Mapping[str, float], **fields: Any) -> None:
        """Record ``scalars`` at global ``step``; ``fields`` (epoch, ...) go to the JSONL line only."""
        record = {"step": step, "time": round(time.time(), 3), **fields, **{k: float(v) for k, v in scalars.items()}}
        self._jsonl.write(json.dumps(record) + "\n")
        self._jsonl.flush()
        if self._tb is not None:
            for tag, value in scalars.items():
                self._tb.add_scalar(tag, float(value), step)

    def close(self) -> None:
        self._jsonl.close()
        if self._tb is not None:
            self._tb.close()


def read_scalars(log_dir: str | Path) -> list[dict[str, Any]]:
    """All records of a run's ``scalars.jsonl``, in order."""
    path = Path(log_dir) / JSONL_NAME
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def truncate_scalars(log_dir: str | Path, last_step: int) -> int:
    """Drop the records after ``last_step`` (and a line torn by a kill) from ``scalars.jsonl``; return how many."""
    path = Path(log_dir) / JSONL_NAME
    if not path.is_file():
        return 0
    kept: list[str] = []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for line in lines:
        try:
            step = json.loads(line)["step"]
        except (ValueError, KeyError, TypeError):  # the half-written last line of a killed run
            continue
        if step <= last_step:
            kept.append(line)
    if len(kept) < len(lines):
        write_text_atomic(path, "".join(f"{line}\n" for line in kept))
    return len(lines) - len(kept)
