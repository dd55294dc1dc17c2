"""Readers of the raw dataset releases the paper trains on, one module per format, for ``siamban prepare``."""

from __future__ import annotations

from siamban.data.raw.base import FrameTargets, RawFormat, ReadResult, Target, Unit
from siamban.data.raw.coco import Coco
from siamban.data.raw.got10k import Got10k
from siamban.data.raw.imagenet import ImageNetDET, ImageNetVID
from siamban.data.raw.images import Images
from siamban.data.raw.lasot import Lasot
from siamban.data.raw.videos import Videos
from siamban.data.raw.youtube_bb import YoutubeBB
from siamban.registry import resolve_name

#: Dataset name (as in ``DATASET.NAMES``) -> raw format.
RAW_FORMATS: dict[str, type[RawFormat]] = {
    "VID": ImageNetVID,
    "YOUTUBEBB": YoutubeBB,
    "DET": ImageNetDET,
    "COCO": Coco,
    "GOT10K": Got10k,
    "LASOT": Lasot,
    "VIDEOS": Videos,
    "IMAGES": Images,
}
_ALIASES = {"YTBB": "YOUTUBEBB", "YOUTUBEBOUNDINGBOXES": "YOUTUBEBB", "IMAGENETVID": "VID", "IMAGENETDET": "DET"}


def raw_format(name: str) -> RawFormat:
    """The raw format called ``name`` (case, ``-`` and ``_`` ignored: ``got-10k``, ``yt_bb`` work)."""
    return RAW_FORMATS[resolve_name(name, RAW_FORMATS, _ALIASES)]()


__all__ = ["RAW_FORMATS", "FrameTargets", "RawFormat", "ReadResult", "Target", "Unit", "raw_format"]
