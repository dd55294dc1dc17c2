"""Writing outputs safely: every output is checked before any work starts, then written whole or not at all.

``check_output_file`` and ``check_output_dir`` are the one validation layer every subcommand runs on its outputs
before it opens a file (a regular file where a folder must be, a folder where a file must be, an unwritable
folder, a wrong suffix). ``atomic_write`` (and ``atomic_path`` for writers that take a file name) write to a
temporary file in the same folder, flush it to disk and rename it over the target, so a crash or a full disk
leaves the previous file or the complete new one, never a piece; a write failure is one OutputError naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from pathlib import Path
from typing import IO, Iterable, Iterator

from siamban.errors import OutputError

#: Temporary names: ``.NAME.PID.tmp`` (handle writers) or ``.NAME.PID.tmp.SUFFIX`` (writers that pick their
#: format from the name, such as OpenCV's video writer and matplotlib).
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp(\.[A-Za-z0-9]+)?$")


def temporary_path(path: str | Path, keep_suffix: bool = False) -> Path:
    """The temporary name ``path`` is written under before the rename (same folder, so the rename is atomic)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.tmp" + (path.suffix if keep_suffix else ""))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "no space left on the device"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def write_error(path: str | Path, exc: BaseException) -> OutputError:
    """The one-line OutputError for a failed write of ``path``."""
    return OutputError(f"{path}: cannot write ({_reason(exc)}); nothing was written")


def _fsync_folder(folder: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass  # some file systems refuse fsync on folders; the rename itself already happened
    finally:
        os.close(handle)


def _open_temporary(tmp: Path, mode: str) -> IO:
    return open(tmp, mode)


def _commit(tmp: Path, path: Path, durable: bool = True) -> None:
    os.replace(tmp, path)
    if durable:
        _fsync_folder(path.parent)


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", durable: bool = True) -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing (``mode`` "w" or "wb"); on a clean exit flush it to disk and
    rename it over ``path``. On any exception the temporary file is removed and ``path`` is left as it was; an
    OSError (full disk, no permission) becomes one OutputError naming ``path``. ``durable=False`` skips the fsyncs
    (still all or nothing, but a power cut may lose it: for many small files that can be remade, such as crops)."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write mode {mode!r}: expected 'w' or 'wb'")
    path = Path(path)
    tmp = temporary_path(path)
    try:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = _open_temporary(tmp, mode)
        except OSError as exc:
            raise write_error(path, exc) from None
        try:
            with handle:
                yield handle
                handle.flush()
                if durable:
                    os.fsync(handle.fileno())
            _commit(tmp, path, durable)
        except OSError as exc:
            raise write_error(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path (same folder, same suffix) for a writer that takes a file name; renamed over ``path`` when
    the block ends cleanly and the writer left a non-empty file, removed on any exception."""
    path = Path(path)
    tmp = temporary_path(path, keep_suffix=True)
    try:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_error(path, exc) from None
        yield tmp
        try:
            if not tmp.is_file() or tmp.stat().st_size == 0:
                raise OutputError(f"{path}: cannot write (the writer produced no data); nothing was written")
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            _commit(tmp, path)
        except OSError as exc:
            raise write_error(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see ``atomic_write``); return the path."""
    with atomic_write(path, "w") as handle:
        handle.write(text)
    return Path(path)


def write_bytes_atomic(path: str | Path, data: bytes, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (see ``atomic_write``); return the path."""
    with atomic_write(path, "wb", durable) as handle:
        handle.write(data)
    return Path(path)


def remove_stale_temporaries(folder: str | Path, name_pattern: str = r".*") -> list[Path]:
    """Delete temporary files in ``folder`` left by killed writers (``.NAME.PID.tmp``, NAME matching
    ``name_pattern``) whose process is gone; return what was removed."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    wanted = re.compile(name_pattern)
    removed = []
    for entry in folder.iterdir():
        m = _TEMPORARY.match(entry.name)
        if not m or not wanted.fullmatch(m["name"]) or not entry.is_file():
            continue
        pid = int(m["pid"])
        if pid != os.getpid() and _process_alive(pid):
            continue  # another live writer's file (two processes writing into one folder)
        with contextlib.suppress(OSError):
            entry.unlink()
            removed.append(entry)
    return removed


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


# ----------------------------------------------------------------------------------------------------------------------
# Checking outputs before the work starts


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path(".")  # pragma: no cover - "/" always exists


def _check_parents(path: Path, option: str) -> None:
    """Every existing ancestor of ``path`` must be a folder, and the nearest one writable."""
    existing = _nearest_existing(path.parent if path.parent != path else path)
    if not existing.is_dir():
        raise OutputError(f"{option} {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{option} {path}: folder {existing} is not writable")


def check_output_file(path: str | Path, option: str = "output", suffixes: Iterable[str] | None = None) -> Path:
    """Check, without creating anything, that ``path`` can be written as a file: not a folder, under folders (no
    regular file in the way) that exist or can be created, writable, with one of ``suffixes`` (lower-case, with the
    dot) when given. Returns ``path`` as a Path; OutputError names ``option`` and the path otherwise."""
    text = str(path)
    if text == "":
        raise OutputError(f"{option}: empty path")
    if text.endswith(("/", os.sep)) or Path(text).name in ("", ".", ".."):
        raise OutputError(f"{option} {text}: names a folder, expected a file name")
    path = Path(path)
    if suffixes is not None:
        allowed = tuple(suffixes)
        if path.suffix.lower() not in allowed:
            raise OutputError(f"{option} {path}: unsupported suffix {path.suffix or '(none)'!r} "
                              f"(use one of {', '.join(allowed)})")
    if path.is_dir():
        raise OutputError(f"{option} {path}: is a folder, expected a file name")
    if path.exists() and not path.is_file():
        # a device (/dev/full, /dev/null), pipe or socket: renaming a whole file over it would replace it
        raise OutputError(f"{option} {path}: not a regular file (a device, pipe or socket); siamban writes whole "
                          "files and renames them into place, give a file name")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{option} {path}: exists and is not writable")
    _check_parents(path, option)
    return path


def check_not_input(output: str | Path, inputs: Iterable[str | Path], option: str = "output") -> None:
    """OutputError when ``output`` is one of the ``inputs`` (the same file under any name): writing it would
    destroy what is being read."""
    target = Path(output).resolve()
    for source in inputs:
        source = Path(source)
        try:
            same = source.resolve() == target or (target.exists() and os.path.samefile(source, target))
        except OSError:
            same = False
        if same:
            raise OutputError(f"{option} {output}: is an input file ({source}); give another name")


def check_output_dir(path: str | Path, option: str = "output folder") -> Path:
    """Check, without creating anything, that ``path`` is a folder or can be created as one (no regular file at it
    or above it, nearest existing folder writable). Returns ``path``; OutputError naming ``option`` otherwise."""
    path = Path(path)
    if str(path) == "":
        raise OutputError(f"{option}: empty path")
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option} {path}: is a file, not a folder")
    existing = _nearest_existing(path)
    if not existing.is_dir():
        raise OutputError(f"{option} {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{option} {path}: folder {existing} is not writable")
    return path


def check_folder_name(name: str, option: str) -> str:
    """``name`` as one file or folder name inside an output folder: not empty, no ``/`` (or the platform's
    separator), not ``.`` or ``..``, so that it cannot point outside that folder. OutputError naming ``option``."""
    if not name or name in (".", "..") or "/" in name or os.sep in name or (os.altsep and os.altsep in name):
        raise OutputError(f"{option} {name!r}: must be one folder name (no '/', not empty, '.' or '..'); it names a "
                          "folder inside the output folder")
    return name
