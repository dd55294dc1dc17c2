"""Typed configuration: dataclasses that read and write the official SiamBAN ``config.yaml`` layout.

The YAML layout is the official one (upper-case sections ``BACKBONE``, ``ADJUST``, ``BAN``, ``POINT``, ``TRACK``,
``TRAIN``, ``DATASET``; architecture arguments under ``KWARGS``), so an official experiment file loads unchanged.
In Python the sections have descriptive names (``neck`` for ``ADJUST``, ``head`` for ``BAN``) and every value is a
typed field. Keys this package adds (for instance ``DATASET.LABEL_SHAPE``) follow the same upper-case style.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterable, Mapping

import yaml

from siamban.errors import ConfigError
from siamban.geometry import score_size

# ----------------------------------------------------------------------------------------------------------------------
# Model


@dataclass(frozen=True)
class BackboneConfig:
    """Feature extractor. ``kwargs`` go to the backbone's constructor (e.g. ``used_layers`` for ResNet-50)."""

    type: str = "resnet50"
    kwargs: dict[str, Any] = field(default_factory=lambda: {"used_layers": [2, 3, 4]})
    pretrained: str = ""
    train_layers: tuple[str, ...] = ("layer2", "layer3", "layer4")
    train_epoch: int = 10
    layers_lr: float = 0.1


@dataclass(frozen=True)
class NeckConfig:
    """1x1 adjust layers to a common width, with the centre crop of template features."""

    enabled: bool = True
    type: str = "AdjustAllLayer"
    in_channels: tuple[int, ...] = (512, 1024, 2048)
    out_channels: tuple[int, ...] = (256, 256, 256)
    center_size: int = 7  # template features narrower than `crop_below` keep only this centre window
    crop_below: int = 20

    _yaml_keys = {"enabled": "ADJUST"}
    _kwargs_fields = ("in_channels", "out_channels", "center_size", "crop_below")


@dataclass(frozen=True)
class HeadConfig:
    """Box adaptive heads: one depth-wise correlation head per level, fused with learned weights."""

    enabled: bool = True
    type: str = "MultiBAN"
    in_channels: tuple[int, ...] = (256, 256, 256)
    cls_out_channels: int = 2
    weighted: bool = True
    hidden_channels: int = 0  # 0: same as the input width (the official heads); smaller for light models
    kernel_size: int = 3
    # siamban addition: initial regression distance (search-crop pixels) of a freshly built head; 0 keeps the
    # official initialisation (exp of a near-zero output: about 1 px, which the IoU loss escapes only slowly).
    loc_init: float = 0.0

    _yaml_keys = {"enabled": "BAN"}
    _kwargs_fields = ("in_channels", "cls_out_channels", "weighted", "hidden_channels", "kernel_size", "loc_init")


@dataclass(frozen=True)
class PointConfig:
    stride: int = 8


# ----------------------------------------------------------------------------------------------------------------------
# Tracker


@dataclass(frozen=True)
class TrackConfig:
    """Online tracker hyper-parameters (the official ``TRACK`` section); defaults are the official code defaults."""

    type: str = "SiamBANTracker"  # the official key; checked, since this package runs only the SiamBAN tracker
    penalty_k: float = 0.14
    window_influence: float = 0.45
    lr: float = 0.30
    exemplar_size: int = 127
    instance_size: int = 255
    base_size: int = 8
    context_amount: float = 0.5
    # Target-lost detection (siamban addition, off when lost_score is 0): a post-penalty score below `lost_score`
    # for `lost_frames` frames in a row means lost; the tracker then reports its last confident box and searches a
    # wider region (`lost_instance_size`, 0 keeps `instance_size`) with no cosine window until the score recovers.
    lost_score: float = 0.0
    lost_frames: int = 5
    lost_instance_size: int = 0
    # Small targets (siamban addition, off when small_instance_size is 0): while the target's side sqrt(w h) is
    # below `small_target_size` frame pixels, the search crop is `small_instance_size` instead of `instance_size`,
    # at the same scale: a wider region, so a 10-20 px target that moves a few times its size is still inside.
    small_target_size: float = 0.0
    small_instance_size: int = 0

    def score_size(self, stride: int) -> int:
        """Side of the output maps for ``INSTANCE_SIZE`` crops (``geometry.score_size``; 25 for the defaults)."""
        return score_size(self.instance_size, self.exemplar_size, stride, self.base_size)


# ----------------------------------------------------------------------------------------------------------------------
# Training


@dataclass(frozen=True)
class ScheduleConfig:
    """One phase of the learning-rate schedule (``TRAIN.LR`` or ``TRAIN.LR_WARMUP``)."""

    type: str = "log"
    kwargs: dict[str, Any] = field(default_factory=dict)
    warmup: bool = True  # only meaningful for the warm-up phase
    epoch: int = 5  # warm-up length in epochs


@dataclass(frozen=True)
class TrainConfig:
    neg_num: int = 16
    pos_num: int = 16
    total_num: int = 64
    exemplar_size: int = 127
    search_size: int = 255
    base_size: int = 8
    output_size: int = 25
    resume: str = ""
    pretrained: str = ""
    log_dir: str = "./logs"
    snapshot_dir: str = "./snapshot"
    epoch: int = 20
    start_epoch: int = 0
    batch_size: int = 32
    num_workers: int = 1
    momentum: float = 0.9
    weight_decay: float = 0.0001
    cls_weight: float = 1.0
    loc_weight: float = 1.0
    print_freq: int = 20
    log_grads: bool = False
    grad_clip: float = 10.0
    base_lr: float = 0.005
    lr: ScheduleConfig = field(
        default_factory=lambda: ScheduleConfig(type="log", kwargs={"start_lr": 0.005, "end_lr": 0.00005})
    )
    lr_warmup: ScheduleConfig = field(
        default_factory=lambda: ScheduleConfig(
            type="step", epoch=5, kwargs={"start_lr": 0.001, "end_lr": 0.005, "step": 1}
        )
    )
    seed: int = 123456  # siamban addition: every random draw of a run derives from it
    amp: bool = True  # siamban addition: bf16 autocast on CUDA
    amp_cpu: bool = False  # siamban addition: bf16 autocast on CPU too (about 2x on CPUs with AVX-512 bf16)
    # siamban addition: how the gradients of N processes combine. "sum" is the official code's (its hand-written
    # all-reduce adds them, so the step grows with N; the published run used 3 GPUs); "mean" is DDP's usual average.
    grad_reduce: str = "sum"


@dataclass(frozen=True)
class AugmentationConfig:
    shift: float = 4
    scale: float = 0.05
    blur: float = 0.0
    flip: float = 0.0
    color: float = 1.0


@dataclass(frozen=True)
class DatasetSourceConfig:
    """One training dataset: the prepared layout (``ROOT`` crop511 folder + ``ANNO`` index JSON), or, when ``ANNO``
    is empty, a folder ``ROOT`` of OTB-layout sequences (``<name>/img/*.jpg`` + ``groundtruth.txt``) cropped on
    the fly. ``NUM_USE`` -1 takes every sequence once per epoch."""

    root: str = ""
    anno: str = ""
    frame_range: int = 100
    num_use: int = 100000
    # siamban addition, OTB-layout folders only: the sequence names to use (empty: the `train`-role sequences
    # of ROOT/index.json when it gives roles, else every sequence in ROOT).
    sequences: tuple[str, ...] = ()


def _default_sources() -> dict[str, DatasetSourceConfig]:
    def src(folder: str, anno: str, frame_range: int, num_use: int) -> DatasetSourceConfig:
        return DatasetSourceConfig(
            root=f"training_dataset/{folder}/crop511",
            anno=f"training_dataset/{folder}/{anno}",
            frame_range=frame_range,
            num_use=num_use,
        )

    return {
        "VID": src("vid", "train.json", 100, 100000),
        "YOUTUBEBB": src("yt_bb", "train.json", 3, 200000),
        "COCO": src("coco", "train2017.json", 1, 100000),
        "DET": src("det", "train.json", 1, 200000),
        "GOT10K": src("got_10k", "train.json", 100, 200000),
        "LASOT": src("lasot", "train.json", 100, 200000),
    }


@dataclass(frozen=True)
class DatasetConfig:
    names: tuple[str, ...] = ("VID", "YOUTUBEBB", "DET", "COCO", "GOT10K", "LASOT")
    videos_per_epoch: int = 1000000
    template: AugmentationConfig = field(default_factory=AugmentationConfig)
    search: AugmentationConfig = field(
        default_factory=lambda: AugmentationConfig(shift=64, scale=0.18, blur=0.0, flip=0.0, color=1.0)
    )
    neg: float = 0.2
    gray: float = 0.0
    label_shape: str = "ellipse"  # siamban addition: ellipse | circle | rectangle (the paper's ablation)
    sources: dict[str, DatasetSourceConfig] = field(default_factory=_default_sources)
    #: Unknown mapping keys of this section are per-dataset sections (DATASET.VID, DATASET.COCO, ...) for this field.
    _sections_field: ClassVar[str] = "sources"

    @staticmethod
    def _merge_sections(sections: Mapping[str, Mapping[str, Any]], where: str) -> dict[str, DatasetSourceConfig]:
        """The per-dataset sections over the defaults of each known dataset."""
        sources = dict(_default_sources())
        for name, section in sections.items():
            base = dataclasses.asdict(sources.get(name, DatasetSourceConfig()))
            base.update({k.lower(): v for k, v in section.items()})
            sources[name] = _coerce(DatasetSourceConfig, {k.upper(): v for k, v in base.items()}, f"{where}{name}.")
        return sources


# ----------------------------------------------------------------------------------------------------------------------
# Whole experiment


@dataclass(frozen=True)
class SiamBANConfig:
    """A whole experiment: model, tracker, training. ``load_config`` reads the official YAML layout."""

    meta_arc: str = "siamban_r50_l234"
    cuda: bool = True
    backbone: BackboneConfig = field(default_factory=BackboneConfig)
    neck: NeckConfig = field(default_factory=NeckConfig)
    head: HeadConfig = field(default_factory=HeadConfig)
    point: PointConfig = field(default_factory=PointConfig)
    track: TrackConfig = field(default_factory=TrackConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    dataset: DatasetConfig = field(default_factory=DatasetConfig)

    _yaml_keys = {"neck": "ADJUST", "head": "BAN"}

    @property
    def score_size(self) -> int:
        return self.track.score_size(self.point.stride)


# ----------------------------------------------------------------------------------------------------------------------
# YAML in and out


def _yaml_key(cls: type, name: str) -> str:
    return getattr(cls, "_yaml_keys", {}).get(name, name.upper())


def _coerce(tp: Any, value: Any, where: str) -> Any:
    """Convert a YAML value to the annotated type ``tp``, or raise ConfigError naming ``where``."""
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return _from_mapping(tp, value, f"{where}.")
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if value is None else _coerce(args[0], value, where)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            value = [value]
        (item,) = typing.get_args(tp)[:1]
        return tuple(_coerce(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        _, vt = typing.get_args(tp)
        return {str(k): _coerce(vt, v, f"{where}.{k}") for k, v in value.items()}
    if tp is Any:
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true/false, got {value!r}")
        return value
    if tp in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        if tp is int and float(value) != int(value):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return tp(value)
    if tp is str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    raise ConfigError(f"{where}: unsupported type {tp}")  # pragma: no cover - programming error


def _from_mapping(cls: type, data: Mapping[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    by_key = {_yaml_key(cls, f.name): f.name for f in dataclasses.fields(cls)}
    data = dict(data)
    kwargs_fields = getattr(cls, "_kwargs_fields", None)
    if kwargs_fields is not None and "KWARGS" in data:
        # ADJUST/BAN keep their architecture arguments under KWARGS; they are typed fields here.
        for key, value in (data.pop("KWARGS") or {}).items():
            if key not in kwargs_fields:
                raise ConfigError(f"{where}KWARGS.{key}: unknown argument (known: {', '.join(kwargs_fields)})")
            data[key.upper()] = value
    values: dict[str, Any] = {}
    sections_field = getattr(cls, "_sections_field", None)
    sections: dict[str, Any] = {}
    for key, value in data.items():
        name = by_key.get(str(key))
        if name is None:
            if sections_field and isinstance(value, Mapping):
                sections[str(key)] = value
                continue
            raise ConfigError(f"{where}{key}: unknown key")
        values[name] = _coerce(hints[name], value, f"{where}{key}")
    if sections_field and sections:
        values[sections_field] = getattr(cls, "_merge_sections")(sections, where)
    return cls(**values)


def config_from_dict(data: Mapping[str, Any]) -> SiamBANConfig:
    """Build a config from a parsed YAML mapping in the official layout; unknown keys and values out of range
    (see ``check_config``) raise ConfigError."""
    cfg = _from_mapping(SiamBANConfig, data, "")
    check_config(cfg)
    return cfg


def _check_finite(obj: Any, where: str) -> None:
    """Every float in ``obj`` (a config dataclass, at any depth) is finite; ConfigError naming the YAML key."""
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            _check_finite(getattr(obj, f.name), f"{where}{_yaml_key(type(obj), f.name)}.")
    elif isinstance(obj, Mapping):
        for key, value in obj.items():
            _check_finite(value, f"{where}{key}.")
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            _check_finite(value, f"{where[:-1]}[{i}].")
    elif isinstance(obj, float) and not math.isfinite(obj):
        raise ConfigError(f"{where[:-1]}: {obj!r} is not a finite number")


def check_track_config(track: TrackConfig, stride: int) -> None:
    """Reject tracker hyper-parameters the tracker cannot run with (ConfigError naming the YAML key)."""
    def bad(key: str, value: Any, why: str) -> ConfigError:
        return ConfigError(f"TRACK.{key} {value!r}: {why}")

    _check_finite(track, "TRACK.")
    if track.type != TrackConfig.type:
        raise bad("TYPE", track.type, f"siamban runs the {TrackConfig.type} only")
    if track.exemplar_size < 1:
        raise bad("EXEMPLAR_SIZE", track.exemplar_size, "must be at least 1")
    if track.instance_size <= track.exemplar_size:
        raise bad("EXEMPLAR_SIZE", track.exemplar_size,
                  f"must be smaller than TRACK.INSTANCE_SIZE ({track.instance_size}): the template is the "
                  "correlation kernel slid over the search region")
    if track.base_size < 0:
        raise bad("BASE_SIZE", track.base_size, "must be 0 or more")
    if track.score_size(stride) < 1:
        raise bad("INSTANCE_SIZE", track.instance_size, "gives no output map with this EXEMPLAR_SIZE and stride")
    if track.penalty_k < 0:
        raise bad("PENALTY_K", track.penalty_k, "must be 0 or more")
    for key, value in (("WINDOW_INFLUENCE", track.window_influence), ("LR", track.lr),
                       ("LOST_SCORE", track.lost_score)):
        if not 0.0 <= value <= 1.0:
            raise bad(key, value, "must lie in 0..1")
    if track.context_amount < 0:
        raise bad("CONTEXT_AMOUNT", track.context_amount, "must be 0 or more (the official value is 0.5)")
    if track.lost_frames < 1:
        raise bad("LOST_FRAMES", track.lost_frames, "must be at least 1")
    if track.lost_instance_size and track.lost_instance_size < track.instance_size:
        raise bad("LOST_INSTANCE_SIZE", track.lost_instance_size,
                  f"must be 0 (off) or at least TRACK.INSTANCE_SIZE ({track.instance_size})")
    if track.small_instance_size and track.small_instance_size < track.instance_size:
        raise bad("SMALL_INSTANCE_SIZE", track.small_instance_size,
                  f"must be 0 (off) or at least TRACK.INSTANCE_SIZE ({track.instance_size})")
    if track.small_target_size < 0:
        raise bad("SMALL_TARGET_SIZE", track.small_target_size, "must be 0 or more (frame pixels)")


def check_config(cfg: SiamBANConfig) -> None:
    """Reject values out of range, naming the YAML key: every float finite, ``POINT.STRIDE`` positive, the tracker
    settings (``check_track_config``), non-negative training rates and sizes."""
    _check_finite(cfg, "")
    if cfg.point.stride < 1:
        raise ConfigError(f"POINT.STRIDE {cfg.point.stride}: must be at least 1")
    check_track_config(cfg.track, cfg.point.stride)
    train = cfg.train
    for key in ("base_lr", "momentum", "weight_decay", "cls_weight", "loc_weight", "grad_clip"):
        value = getattr(train, key)
        if value < 0:
            raise ConfigError(f"TRAIN.{key.upper()} {value!r}: must be 0 or more")
    for phase_key, phase in (("LR", train.lr), ("LR_WARMUP", train.lr_warmup)):
        for name, value in phase.kwargs.items():
            if name.endswith("lr") and isinstance(value, (int, float)) and not value >= 0:
                raise ConfigError(f"TRAIN.{phase_key}.KWARGS.{name} {value!r}: must be 0 or more")
    if train.exemplar_size < 1 or train.search_size <= train.exemplar_size:
        raise ConfigError(f"TRAIN.EXEMPLAR_SIZE {train.exemplar_size}: must be at least 1 and smaller than "
                          f"TRAIN.SEARCH_SIZE ({train.search_size})")


def _to_yaml_value(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        cls = type(obj)
        out: dict[str, Any] = {}
        kwargs_fields = getattr(cls, "_kwargs_fields", ())
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = _to_yaml_value(getattr(obj, f.name))
            if f.name in kwargs_fields:
                kwargs[f.name] = value
            elif f.name == "sources":
                out.update(value)
            else:
                out[_yaml_key(cls, f.name)] = value
        if kwargs:
            out["KWARGS"] = kwargs
        return out
    if isinstance(obj, tuple):
        return [_to_yaml_value(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _to_yaml_value(v) for k, v in obj.items()}
    return obj


def config_to_dict(cfg: SiamBANConfig) -> dict[str, Any]:
    """The config as a mapping in the official YAML layout (``config_from_dict`` inverts it)."""
    return _to_yaml_value(cfg)


#: The key a config file names the config it extends with (a bundled name or a path relative to the file).
BASE_KEY = "_BASE_"


def _read_yaml_mapping(path: Path) -> dict[str, Any]:
    """The top-level mapping of the YAML file ``path``; ConfigError naming the file otherwise."""
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file (a config.yaml is UTF-8 YAML)") from None
    except yaml.YAMLError as exc:
        first = " ".join(str(exc).split())[:200]
        raise ConfigError(f"{path}: not valid YAML ({first})") from None
    except RecursionError:
        raise ConfigError(f"{path}: not a config (nested too deeply to read)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return dict(data)


def _base_path(value: Any, including: Path) -> Path:
    """The file ``_BASE_: value`` in ``including`` names: a path relative to that file's folder, else a bundled
    config name; ConfigError naming both places otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{including}: {BASE_KEY} {value!r}: expected a bundled config name or a path to a YAML file")
    relative = including.parent / value
    if relative.is_file():
        return relative
    bundled = CONFIG_DIR / f"{value}.yaml"
    if Path(value).suffix == "" and "/" not in value and bundled.is_file():
        return bundled
    raise ConfigError(f"{including}: {BASE_KEY} {value!r}: no such file (relative to {including.parent}) nor "
                      f"bundled config (bundled: {', '.join(bundled_config_names())})")


def _canonical_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    """ADJUST/BAN architecture arguments given flat (``ADJUST.IN_CHANNELS``) moved under ``KWARGS``, so that a base
    written one way and an override written the other merge key by key."""
    for section, cls in (("ADJUST", NeckConfig), ("BAN", HeadConfig)):
        block = data.get(section)
        if not isinstance(block, Mapping):
            continue
        block = dict(block)
        kwargs = dict(block.get("KWARGS") or {}) if isinstance(block.get("KWARGS") or {}, Mapping) else None
        if kwargs is None:
            continue  # not a mapping: config_from_dict names it
        for key in list(block):
            if str(key).lower() in cls._kwargs_fields and str(key) != "KWARGS":
                kwargs[str(key).lower()] = block.pop(key)
        if kwargs:
            block["KWARGS"] = kwargs
        data[section] = block
    return data


def merge_config_dicts(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` on top: nested mappings merge key by key; any other value (a list, a number)
    replaces the base's."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_config_dicts(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config_dict(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The YAML mapping of ``path`` with its ``_BASE_`` chain merged in (``merge_config_dicts``), not yet checked.

    ``_BASE_`` names a bundled config (``siamban_lite0``) or a path relative to the file; a base may have a base.
    A cycle or a missing base raises ConfigError naming the file that says it."""
    path = Path(path)
    key = path.resolve()
    if key in _chain:
        cycle = " -> ".join(str(p) for p in (*_chain[_chain.index(key):], key))
        raise ConfigError(f"{path}: {BASE_KEY} cycle ({cycle})")
    data = _canonical_kwargs(_read_yaml_mapping(path))
    if BASE_KEY not in data:
        return data
    base = load_config_dict(_base_path(data.pop(BASE_KEY), path), (*_chain, key))
    return merge_config_dicts(base, data)


def load_config(path: str | Path) -> SiamBANConfig:
    """Read an experiment ``config.yaml`` (official or siamban layout; ``_BASE_: NAME_OR_PATH`` extends another
    config, overriding only the keys it gives)."""
    path = Path(path)
    data = load_config_dict(path)
    try:
        return config_from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _parse_override(item: str) -> tuple[list[str], Any]:
    """``KEY.SUB=VALUE`` as (the key's parts, the value read as YAML); ConfigError naming the item otherwise."""
    key, sep, text = item.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(p.strip() for p in parts):
        raise ConfigError(f"--set {item!r}: expected KEY=VALUE with a dotted config key, e.g. TRACK.PENALTY_K=0.1")
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        raise ConfigError(f"--set {key}: value {text!r} is not a YAML scalar or list") from None
    return [p.strip() for p in parts], value


def apply_config_overrides(cfg: SiamBANConfig, items: Iterable[str]) -> SiamBANConfig:
    """``cfg`` with ``--set`` items (``TRACK.PENALTY_K=0.1``: the YAML keys, dotted; the value read as YAML) applied
    in order and checked as a config file is: ConfigError naming the key for an unknown key, a section given a
    value, a wrong type or a value out of range."""
    for item in items:
        parts, value = _parse_override(item)
        data = config_to_dict(cfg)
        node: Any = data
        for depth, part in enumerate(parts):
            where = ".".join(parts[: depth + 1])
            if not isinstance(node, dict):
                raise ConfigError(f"--set {where}: {'.'.join(parts[:depth])} is a value, not a section")
            match = [k for k in node if str(k).upper() == part.upper()]
            last = depth == len(parts) - 1
            if not match:
                if last and depth > 0 and str(parts[depth - 1]).upper() == "KWARGS":
                    match = [part]  # free-form constructor arguments; a typed KWARGS section checks its names
                else:
                    known = ", ".join(str(k) for k in node)
                    raise ConfigError(f"--set {where}: unknown key (known here: {known})")
            if last:
                old = node.get(match[0])
                if isinstance(old, dict) and not isinstance(value, Mapping):
                    raise ConfigError(f"--set {where}: a section; set one of its keys ({', '.join(map(str, old))})")
                # a mapping merges into the section, as a config file's keys merge into its _BASE_
                node[match[0]] = merge_config_dicts(old, value) if isinstance(old, dict) else _number_text(value, old)
            else:
                node = node[match[0]]
        try:
            cfg = config_from_dict(data)
        except ConfigError as exc:
            key = ".".join(parts)
            text = str(exc)
            named = text.upper().startswith(key.upper())  # the message already starts with the key
            raise ConfigError(f"--set {text}" if named else f"--set {key}: {text}") from None
    return cfg


def _number_text(value: Any, old: Any) -> Any:
    """``1e-4`` for a numeric key as the number (YAML 1.1 reads it as text)."""
    if isinstance(value, str) and isinstance(old, (int, float)) and not isinstance(old, bool):
        try:
            return float(value)
        except ValueError:
            return value
    return value


class _ConfigDumper(yaml.SafeDumper):
    """Block-style mappings, flow-style lists: the look of the official config files."""


_ConfigDumper.add_representer(
    list, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
)


def save_config(cfg: SiamBANConfig, path: str | Path, header: str = "") -> None:
    """Write the config in the official YAML layout (``header`` lines become leading comments)."""
    from siamban.io.atomic import write_text_atomic  # deferred: siamban.io imports OpenCV

    comment = "".join(f"# {line}\n" for line in header.splitlines())
    text = yaml.dump(config_to_dict(cfg), Dumper=_ConfigDumper, sort_keys=False, width=120)
    write_text_atomic(path, comment + text)


# ----------------------------------------------------------------------------------------------------------------------
# Bundled experiments and tracker presets

CONFIG_DIR = Path(__file__).parent / "configs"

#: Per-benchmark tracker hyper-parameters of the official experiments (WINDOW_INFLUENCE, PENALTY_K, LR).
TRACKER_PRESETS: dict[str, dict[str, Any]] = {
    "vot2018": {"window_influence": 0.4632532824922313, "penalty_k": 0.08513642556896711, "lr": 0.44418184746462425},
    "vot2019": {"window_influence": 0.334450048565355, "penalty_k": 0.0012159181005195463, "lr": 0.46386814967815493},
    "otb100": {"window_influence": 0.3850733326567302, "penalty_k": 0.020530504470126613, "lr": 0.4730770315643308},
    "default": {"window_influence": 0.45, "penalty_k": 0.14, "lr": 0.30},
}


def with_tracker_preset(cfg: SiamBANConfig, preset: str) -> SiamBANConfig:
    """Return ``cfg`` with the tracker hyper-parameters of a named preset (``vot2018``, ``otb100``, ...)."""
    key = preset.lower()
    if key not in TRACKER_PRESETS:
        raise ConfigError(f"unknown tracker preset {preset!r} (known: {', '.join(TRACKER_PRESETS)})")
    track = dataclasses.replace(cfg.track, **TRACKER_PRESETS[key])
    check_track_config(track, cfg.point.stride)
    return dataclasses.replace(cfg, track=track)


def bundled_config_names() -> list[str]:
    """Names of the experiment configs shipped with the package."""
    return sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))


def config_path(name_or_path: str | Path) -> Path:
    """The YAML file a config name or path stands for: a path as given (a ``.yaml``/``.yml`` name or an existing
    file), else the bundled experiment of that name. Raises ConfigError naming the bundled configs otherwise."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    bundled = CONFIG_DIR / f"{name_or_path}.yaml"
    if bundled.is_file():
        return bundled
    raise ConfigError(
        f"unknown config {str(name_or_path)!r} (bundled: {', '.join(bundled_config_names())}): "
        "no such config file or bundled experiment"
    )


def resolve_config(name_or_path: str | Path, overrides: Iterable[str] = ()) -> SiamBANConfig:
    """Load a config from a path, or a bundled experiment by name (``siamban_r50_l234``); ``overrides``: ``--set``
    items (``apply_config_overrides``)."""
    return apply_config_overrides(load_config(config_path(name_or_path)), overrides)
