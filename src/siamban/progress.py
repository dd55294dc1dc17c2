"""Progress reporting, one rule for every command: a tqdm bar on a terminal; elsewhere (CI logs, ``> file``, a pipe,
``TERM=dumb``) plain lines such as ``epoch 1/20: 480/960 [50%, 0:00:12 elapsed, 40.1 pair/s]``, written when
another tenth of the work is done or every 30 seconds, and once more at the end, with no carriage returns or escape
codes."""

from __future__ import annotations

import os
import sys
import time
from typing import IO, Any, Callable, Generic, Iterable, Iterator, Protocol, TypeVar

from tqdm import tqdm

_T = TypeVar("_T")

#: Plain lines: one each time another ``PLAIN_PERCENT`` percent is done, or ``PLAIN_SECONDS`` after the last line.
PLAIN_PERCENT = 10
PLAIN_SECONDS = 30.0


class Progress(Protocol):
    """What callers use of a progress bar (tqdm's names, so a tqdm bar is one)."""

    def update(self, n: float = 1) -> Any: ...

    def set_postfix(self, ordered_dict: Any = None, refresh: bool = True, **kwargs: Any) -> None: ...

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None: ...

    def close(self) -> None: ...


def is_interactive(stream: IO[str] | None = None) -> bool:
    """Whether ``stream`` (default: standard error, where progress goes) is a terminal that can redraw a bar."""
    stream = sys.stderr if stream is None else stream
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _count(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


class PlainProgress(Generic[_T]):
    """A progress counter that prints whole lines (see the module docstring); same calls as a tqdm bar."""

    def __init__(
        self,
        iterable: Iterable[_T] | None = None,
        total: float | None = None,
        desc: str = "",
        unit: str = "it",
        initial: float = 0,
        disable: bool = False,
        file: IO[str] | None = None,
        percent: int = PLAIN_PERCENT,
        seconds: float = PLAIN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)  # type: ignore[arg-type]
        self.iterable = iterable
        self.total, self.desc, self.unit = total, desc, unit
        self.n = self._start = initial
        self.disable = disable
        self._file, self._percent, self._seconds, self._clock = file, max(1, percent), seconds, clock
        self._postfix = ""
        self._began = self._last_time = clock()
        self._last_step = self._step(initial)
        self._printed_n: float | None = None
        self._closed = False

    def _step(self, n: float) -> int:
        if not self.total:
            return 0
        return int(100 * n / self.total) // self._percent

    def line(self) -> str:
        """The line that describes the progress now."""
        elapsed = max(self._clock() - self._began, 0.0)
        count = f"{_count(self.n)}/{_count(self.total)}" if self.total else f"{_count(self.n)} {self.unit}"
        facts = [f"{100 * self.n / self.total:.0f}%"] if self.total else []
        facts.append(f"{_duration(elapsed)} elapsed")
        if elapsed > 0 and self.n > self._start:
            facts.append(f"{(self.n - self._start) / elapsed:.1f} {self.unit}/s")
        if self._postfix:
            facts.append(self._postfix)
        return (f"{self.desc}: " if self.desc else "") + f"{count} [{', '.join(facts)}]"

    def _print(self) -> None:
        print(self.line(), file=sys.stderr if self._file is None else self._file, flush=True)
        self._printed_n, self._last_time = self.n, self._clock()

    def update(self, n: float = 1) -> None:
        if self.disable or self._closed:
            return
        self.n += n
        step = self._step(self.n)
        if step > self._last_step or self._clock() - self._last_time >= self._seconds:
            self._last_step = step
            self._print()

    def set_postfix(self, ordered_dict: Any = None, refresh: bool = True, **kwargs: Any) -> None:
        items = dict(ordered_dict or {}) | kwargs
        self._postfix = ", ".join(f"{key}={value}" for key, value in items.items())

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self._postfix = s

    def close(self) -> None:
        """Print the final count, unless the last line already showed it."""
        if self.disable or self._closed:
            return
        self._closed = True
        if self._printed_n != self.n and self.n > self._start:
            self._print()

    def __iter__(self) -> Iterator[_T]:
        if self.iterable is None:
            raise TypeError("this progress counter wraps no iterable")
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __enter__(self) -> "PlainProgress[_T]":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_bar(
    iterable: Iterable[_T] | None = None,
    *,
    total: float | None = None,
    desc: str = "",
    unit: str = "it",
    initial: float = 0,
    disable: bool = False,
    leave: bool = True,
    position: int | None = None,
    file: IO[str] | None = None,
) -> Any:
    """A tqdm bar on a terminal, else a ``PlainProgress`` printing occasional lines; both to ``file`` (default:
    standard error), both usable as a context manager, and both iterate over ``iterable`` when one is given."""
    if is_interactive(file):
        return tqdm(iterable, total=total, desc=desc, unit=unit, initial=initial, disable=disable, leave=leave,
                    position=position, file=file, dynamic_ncols=True)
    return PlainProgress(iterable, total=total, desc=desc, unit=unit, initial=initial, disable=disable, file=file)
