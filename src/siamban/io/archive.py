"""Reading zip archives (GOT-10k submissions) with bounded memory: sizes checked before anything is decompressed.

A submission is a few MB of text (180 sequences of boxes and times); a zip that declares, or inflates to, more than
``MAX_MEMBER_BYTES`` in one member or ``MAX_TOTAL_BYTES`` in all is refused with one line, so a zip bomb costs
neither memory nor minutes. The declared sizes bound what comes out: Python's zipfile never yields more than a
member's declared size (and a member whose data disagrees fails its CRC check), and members are read in chunks.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from siamban.errors import InputError

#: Largest uncompressed member and whole archive accepted (a real submission is a few MB of text).
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_MEMBERS = 100_000
_CHUNK = 1 << 20


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(f"{path}: not a readable zip file ({exc})") from None


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size < 10 * 2**20 else f"{size / 2**20:.0f} MB"


def _too_big(path: Path, name: str, size: int, limit: int) -> InputError:
    return InputError(f"{path}: member {name} is {_mb(size)} uncompressed, over the {_mb(limit)} a submission member "
                      "may hold (a submission is a few MB of text); refused without extracting it")


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: Path,
                limit: int = MAX_MEMBER_BYTES, keep: bool = True) -> tuple[bytes, int]:
    """(bytes, size) of one member, read in chunks and refused (InputError) past ``limit``; with ``keep=False`` the
    bytes are only counted (b"" is returned)."""
    if info.file_size > limit:
        raise _too_big(where, info.filename, info.file_size, limit)
    chunks, size = [], 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _too_big(where, info.filename, size, limit)
                if keep:
                    chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise InputError(f"{where}: member {info.filename} cannot be read ({exc})") from None
    return b"".join(chunks), size


def check_zip_sizes(path: str | Path, member_limit: int = MAX_MEMBER_BYTES, total_limit: int = MAX_TOTAL_BYTES) -> int:
    """Refuse (InputError) a zip whose members declare more than the limits, before anything is decompressed;
    return the total declared uncompressed size."""
    path = Path(path)
    with _open_zip(path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"{path}: {len(infos)} members, more than the {MAX_MEMBERS} a submission may hold")
    for info in infos:
        if info.file_size > member_limit:
            raise _too_big(path, info.filename, info.file_size, member_limit)
    total = sum(i.file_size for i in infos)
    if total > total_limit:
        raise InputError(f"{path}: {_mb(total)} uncompressed in all, over the {_mb(total_limit)} a submission may "
                         "hold; refused without extracting it")
    return total


def read_zip_texts(path: str | Path, member_limit: int = MAX_MEMBER_BYTES,
                   total_limit: int = MAX_TOTAL_BYTES) -> dict[str, str]:
    """Member name -> text (undecodable bytes replaced) of every file member, with the limits of
    ``check_zip_sizes`` enforced while reading (memory: the texts, never more than the limits)."""
    path = Path(path)
    texts: dict[str, str] = {}
    total = 0
    with _open_zip(path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_MEMBERS:
            raise InputError(f"{path}: {len(infos)} members, more than the {MAX_MEMBERS} a submission may hold")
        for info in infos:
            data, _ = read_member(archive, info, path, member_limit)
            total += len(data)
            if total > total_limit:
                raise InputError(f"{path}: over {_mb(total_limit)} uncompressed in all, more than a submission "
                                 "may hold")
            texts[info.filename] = data.decode(errors="replace")
    return texts
