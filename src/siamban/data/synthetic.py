"""Generated tracking sequences with exact boxes: textured objects cut from images over image backgrounds.

A sequence is planned from a seed (every random draw happens in ``plan_sequence``), then any frame can be rendered on
its own (``render_frame``), so a pair sampler can draw two frames without rendering the rest; ``generate_sequence``
renders them all. The target moves smoothly, changes scale, aspect and rotation, gets motion blur, lives under
changing illumination and a panning camera, is crossed by occluders (partial, or full for a few frames), can leave the
frame completely and come back, and has look-alike distractors (copies of its own texture and shape, colour-jittered,
always drawn behind it).

Annotation (the convention of OTB and LaSOT: a box covers the object as it is in the image, including parts that
something passes in front of):

- ``boxes[t]``: the tight box (x, y, w, h) of the target's pixels that lie inside the frame. A target pixel is one
  where the rendered target covers at least half the pixel (alpha >= 0.5, after motion blur), so the box is exactly
  the pixels that show more target than background: ``x`` is the first such column (0-based), ``w`` the number of
  columns from the first to the last. A target partly outside the frame gets the box of its inside part. Partial
  occlusion does not shrink the box (``occlusion[t]`` tells how much is hidden).
- The target is *absent* (``boxes[t]`` is NaN; ``0,0,0,0`` in ``groundtruth.txt``, 1 in ``absence.label``) when none
  of its pixels is visible: wholly outside the frame, or wholly behind an occluder.
- ``object_boxes[t]`` is the box of the whole target, wherever it is (also outside the frame or hidden).

The default imagery is generated here (``generated_images``: colour noise at several scales, gratings, checkerboards,
clutter of shapes), so the base install needs no image package and the same seed gives the same frames everywhere.
With ``photographs=True`` it is the sample photographs that scikit-image ships instead (``pip install
'siamban[train]'``), read straight from its data folder without importing scikit-image; only images whose licence
scikit-image states as public domain or CC0 are used (``DEFAULT_IMAGES`` lists each with the statement quoted from
``skimage.data``). ``SyntheticConfig.image_dir`` adds (or, with ``default_images=False``, replaces the default imagery
with) the images of a folder of your own.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import cv2
import numpy as np

from siamban.errors import ConfigError, DatasetError, DependencyError
from siamban.io.atomic import write_bytes_atomic, write_text_atomic
from siamban.io.annotations import format_box
from siamban.io.frames import read_image
from siamban.progress import progress_bar

#: scikit-image sample images used by default: file name -> licence as stated in its ``skimage.data`` docstring.
DEFAULT_IMAGES: dict[str, str] = {
    "astronaut.png": "NASA Great Images database; no known copyright restrictions, released into the public domain",
    "chelsea.png": "no copyright restrictions, CC0 by the photographer (Stefan van der Walt)",
    "coffee.png": "courtesy of Pikolo Espresso Bar; no copyright restrictions, CC0 by the photographer "
    "(Rachel Michetti)",
    "rocket.jpg": "SpaceX launch photo of DSCOVR on Falcon 9; released in the public domain by SpaceX",
    "hubble_deep_field.jpg": "Hubble eXtreme Deep Field, captured by NASA; may be freely used in the public domain",
    "brick.png": "from CC0Textures (Bricks25), Creative Commons CC0",
    "grass.png": "from DeviantArt (linolafett, Grass-01), Creative Commons CC0",
    "gravel.png": "from CC0Textures (Gravel04), Creative Commons CC0",
    "camera.png": "no copyright restrictions, CC0 by the photographer (Lav Varshney)",
    "clock_motion.png": "released into the public domain by the photographer (Stefan van der Walt)",
    "text.png": "Wikipedia File:Corner.png; no known copyright restrictions, released into the public domain",
}
#: Silhouette used as an object shape: black horse on white (openclipart, CC0 by Andreas Preuss (marauder)).
SILHOUETTE_IMAGE = "horse.png"

SHAPES = ("rectangle", "ellipse", "polygon", "silhouette")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
_WARMUP_FRAMES = 8  # no event starts before this frame: the first frames show the whole target, unhidden
_EVENT_FRAMES = 24  # frames an occluder takes to cross the target (plus a hold for full occlusions)


#: Upper bound on distractors, occlusions and exits per sequence (each costs a draw per frame).
MAX_OBJECTS = 50


@dataclass(frozen=True)
class SyntheticConfig:
    """Size, length and difficulty of a generated sequence. Fractions are of the frame unless said otherwise."""

    width: int = 320
    height: int = 240
    length: int = 150
    target_area: tuple[float, float] = (0.01, 0.05)  # target's box area in the first frame, fraction of the frame
    target_aspect: tuple[float, float] = (0.5, 2.0)  # width / height in the first frame
    shapes: tuple[str, ...] = SHAPES
    max_speed: float = 0.02  # fraction of the frame's shorter side per frame
    scale_range: tuple[float, float] = (0.7, 1.4)  # size relative to the first frame
    scale_rate: float = 0.01  # largest relative size change per frame
    aspect_range: tuple[float, float] = (0.85, 1.2)  # aspect change relative to the first frame
    max_rotation: float = 20.0  # degrees either side of upright
    rotation_rate: float = 1.0  # largest rotation per frame, degrees
    motion_blur: float = 0.5  # blur length as a fraction of the frame-to-frame displacement (0: none)
    illumination: float = 0.25  # brightness gain wanders in 1 +- this (with a colour cast a third as strong)
    camera_pan: float = 0.1  # the background window wanders over this fraction of the frame size
    noise: float = 3.0  # sensor noise, standard deviation in grey levels
    distractors: int = 1  # look-alike objects
    occlusions: int = 1  # partial occlusions (at most half the target hidden)
    full_occlusions: int = 0  # occlusions that hide the whole target for a few frames
    exits: int = 0  # the target leaves the frame completely and comes back
    exit_frames: tuple[int, int] = (5, 15)  # frames spent wholly outside, per exit
    image_dir: str = ""  # a folder of images to cut objects and backgrounds from, besides (or instead of) the default
    default_images: bool = True  # use the default imagery (generated textures, or the photographs below)
    photographs: bool = False  # default imagery: scikit-image's freely licensed sample photographs (needs scikit-image)

    def __post_init__(self) -> None:
        def bad(name: str, why: str) -> ConfigError:
            return ConfigError(f"SyntheticConfig.{name} = {getattr(self, name)!r}: {why}")

        if self.width < 32 or self.height < 32:
            raise bad("width" if self.width < 32 else "height", "frames must be at least 32x32")
        if self.length < 1:
            raise bad("length", "must be at least 1")
        for name in ("target_area", "target_aspect", "scale_range", "aspect_range", "exit_frames"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise bad(name, "expected 0 < low <= high")
        if self.target_area[1] > 0.25:
            raise bad("target_area", "a target larger than a quarter of the frame cannot move")
        if not self.shapes or any(s not in SHAPES for s in self.shapes):
            raise bad("shapes", f"choose from {', '.join(SHAPES)}")
        for name in ("max_speed", "scale_rate", "max_rotation", "rotation_rate", "motion_blur", "noise"):
            if not math.isfinite(getattr(self, name)):
                raise bad(name, "must be a finite number")
            if getattr(self, name) < 0:
                raise bad(name, "must not be negative")
        if not 0 <= self.illumination < 1:
            raise bad("illumination", "expected 0 <= illumination < 1")
        if not 0 <= self.camera_pan <= 1:
            raise bad("camera_pan", "expected 0 <= camera_pan <= 1")
        for name in ("distractors", "occlusions", "full_occlusions", "exits"):
            if getattr(self, name) < 0:
                raise bad(name, "must not be negative")
            if getattr(self, name) > MAX_OBJECTS:
                raise bad(name, f"at most {MAX_OBJECTS} (each is drawn on every frame)")
        if not self.default_images and not self.image_dir:
            raise bad("default_images", "no images: give image_dir or keep the default images")

    @property
    def events(self) -> int:
        return self.occlusions + self.full_occlusions + self.exits


# ----------------------------------------------------------------------------------------------------------------------
# Source imagery


def default_image_dir() -> Path:
    """scikit-image's data folder (found without importing scikit-image); DependencyError when it is not installed."""
    try:
        spec = importlib.util.find_spec("skimage")
    except (ImportError, ValueError):  # a broken install, or a finder that refuses it: not usable either way
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError(
            "the sample photographs (synth --photographs) come from scikit-image, which is not installed: "
            "pip install 'siamban[train]' (or scikit-image), or leave them out to use the generated textures"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "data"


#: Seed and size of the generated default imagery (changing either changes every generated sequence).
_GENERATED_SEED = 20240517
_GENERATED_SIZE = (240, 320)  # height, width


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Gaussian-blurred white noise scaled to unit standard deviation, (H, W) float32."""
    noise = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), sigma)
    return noise / max(float(noise.std()), 1e-6)


def _colourise(rng: np.random.Generator, field: np.ndarray) -> np.ndarray:
    """Map a field in [0, 1] (H, W) through a random two-to-three colour ramp to an (H, W, 3) float32 image."""
    stops = rng.uniform(0, 255, (3, 3)).astype(np.float32)
    low = np.clip(1 - 2 * field, 0, 1)[:, :, None]
    high = np.clip(2 * field - 1, 0, 1)[:, :, None]
    return stops[0] * low + stops[1] * (1 - low - high) + stops[2] * high


@lru_cache(maxsize=1)
def generated_images() -> tuple[np.ndarray, ...]:
    """The default imagery: six BGR uint8 textures drawn from a fixed seed (no file, no image package)."""
    rng = np.random.default_rng(_GENERATED_SEED)
    H, W = _GENERATED_SIZE
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float32)
    images = []
    # 1-2: colour noise at several scales (photograph-like spectra), one coarse and one fine
    for sigmas in ((24.0, 8.0, 2.0), (6.0, 2.0, 0.8)):
        channels = [sum(_smooth_noise(rng, (H, W), s) * w for s, w in zip(sigmas, (1.0, 0.5, 0.25)))
                    for _ in range(3)]
        images.append(np.stack([128 + 45 * c for c in channels], axis=2))
    # 3: a grating at a random angle and period, with a slow colour drift
    angle, period = rng.uniform(0, np.pi), rng.uniform(12, 30)
    phase = (xs * math.cos(angle) + ys * math.sin(angle)) * 2 * np.pi / period
    field = 0.5 + 0.4 * np.sin(phase) + 0.1 * _smooth_noise(rng, (H, W), 20)
    images.append(_colourise(rng, np.clip(field, 0, 1)))
    # 4: a rotated checkerboard, softened
    angle, cell = rng.uniform(0, np.pi / 2), rng.uniform(14, 28)
    u = (xs * math.cos(angle) + ys * math.sin(angle)) / cell
    v = (-xs * math.sin(angle) + ys * math.cos(angle)) / cell
    board = ((np.floor(u) + np.floor(v)) % 2).astype(np.float32)
    images.append(cv2.GaussianBlur(_colourise(rng, 0.2 + 0.6 * board), (0, 0), 0.8))
    # 5: clutter of filled circles and rectangles over a gradient
    clutter = _colourise(rng, np.clip(xs / W * 0.6 + ys / H * 0.4, 0, 1))
    for _ in range(60):
        colour = tuple(float(c) for c in rng.uniform(0, 255, 3))
        cx, cy, r = int(rng.integers(0, W)), int(rng.integers(0, H)), int(rng.integers(5, 30))
        if rng.random() < 0.5:
            cv2.circle(clutter, (cx, cy), r, colour, -1, cv2.LINE_AA)
        else:
            cv2.rectangle(clutter, (cx - r, cy - r // 2), (cx + r, cy + r // 2), colour, -1, cv2.LINE_AA)
    images.append(clutter)
    # 6: fine grass-like streaks: noise stretched along one direction
    streaks = cv2.GaussianBlur(rng.standard_normal((H, W)).astype(np.float32), (0, 0), sigmaX=0.7, sigmaY=5.0)
    streaks = 0.5 + 0.2 * streaks / max(float(streaks.std()), 1e-6) + 0.15 * _smooth_noise(rng, (H, W), 30)
    images.append(_colourise(rng, np.clip(streaks, 0, 1)))
    return tuple(np.clip(image, 0, 255).astype(np.uint8) for image in images)


@lru_cache(maxsize=8)
def _images_cached(paths: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    return tuple(read_image(Path(p)) for p in paths)


def image_paths(config: SyntheticConfig) -> list[Path]:
    """The image files a config draws from: the photographs (``photographs=True``) and/or every image in
    ``config.image_dir`` (the generated default imagery has no files: ``load_images`` adds it)."""
    paths: list[Path] = []
    if config.default_images and config.photographs:
        folder = default_image_dir()
        paths += [folder / name for name in DEFAULT_IMAGES]
    if config.image_dir:
        folder = Path(config.image_dir).expanduser()
        if not folder.is_dir():
            raise DatasetError(f"SyntheticConfig.image_dir {config.image_dir!r}: no such folder")
        found = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not found:
            raise DatasetError(f"{folder}: holds no images ({', '.join(IMAGE_SUFFIXES)})")
        paths += found
    return paths


def load_images(config: SyntheticConfig) -> list[np.ndarray]:
    """The generated default imagery (unless ``photographs`` or ``default_images=False``) and the BGR images of
    ``image_paths(config)`` (cached: a sampler generating many sequences reads them once)."""
    generated = list(generated_images()) if config.default_images and not config.photographs else []
    return generated + list(_images_cached(tuple(str(p) for p in image_paths(config))))


@lru_cache(maxsize=1)
def _silhouette() -> np.ndarray | None:
    try:
        path = default_image_dir() / SILHOUETTE_IMAGE
    except DependencyError:
        return None
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        return None
    grey = image[:, :, 0] if image.ndim == 3 else image
    mask = (grey < 128).astype(np.uint8)
    ys, xs = np.nonzero(mask)
    return mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


# ----------------------------------------------------------------------------------------------------------------------
# Plan: every random draw of a sequence


@dataclass
class Layer:
    """An object drawn into the frames: its texture and mask, and its pose in every frame."""

    texture: np.ndarray  # (h0, w0, 3) uint8 BGR
    mask: np.ndarray  # (h0, w0) float32 in 0..1
    center: np.ndarray  # (T, 2) frame pixels (x, y)
    scale: np.ndarray  # (T, 2) x and y scale of the texture
    angle: np.ndarray  # (T,) degrees, counter-clockwise on screen
    blur: np.ndarray  # (T, 2) motion-blur vector in pixels
    active: np.ndarray  # (T,) bool: drawn in this frame


@dataclass
class SequencePlan:
    """Everything ``render_frame`` needs; built by ``plan_sequence`` from a seed."""

    config: SyntheticConfig
    seed: int
    background: np.ndarray  # (H + 2 my, W + 2 mx, 3) uint8
    pan: np.ndarray  # (T, 2) int offsets of the frame window in the background
    gain: np.ndarray  # (T, 3) per-channel illumination gain
    noise: np.ndarray | None  # (2H, 2W, 3) float32 noise tile
    noise_offset: np.ndarray  # (T, 2) int
    target: Layer
    distractors: list[Layer]
    occluders: list[Layer]
    events: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, first frame, last frame + 1)

    @property
    def length(self) -> int:
        return self.config.length


def _smooth_curve(rng: np.random.Generator, length: int, periods: tuple[float, float] = (40, 160)) -> np.ndarray:
    """A smooth curve in [-1, 1] over ``length`` frames: a sum of three sinusoids with random periods and phases."""
    t = np.arange(length, dtype=np.float64)
    curve = np.zeros(length)
    for _ in range(3):
        period = rng.uniform(*periods)
        curve += rng.uniform(0.5, 1.0) * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    peak = np.abs(curve).max()
    return curve / peak if peak > 0 else curve


def _bounded_walk(
    rng: np.random.Generator, length: int, start: float, low: float, high: float, max_step: float
) -> np.ndarray:
    """A smooth random walk with momentum, reflected into [low, high], steps at most ``max_step``."""
    values = np.empty(length)
    value, velocity = start, 0.0
    for t in range(length):
        values[t] = value
        velocity = float(np.clip(0.9 * velocity + rng.normal(0.0, 0.35 * max_step), -max_step, max_step))
        value += velocity
        if value < low or value > high:
            value = float(np.clip(value, low, high))
            velocity = -velocity
    return values


def _shape_mask(
    rng: np.random.Generator, shape: str, width: int, height: int, photographs: bool = False
) -> np.ndarray:
    """A float32 (height, width) mask in 0..1 whose filled part touches all four sides (a ``silhouette`` is
    scikit-image's horse with ``photographs``, else a random polygon like ``polygon``)."""
    if shape == "rectangle":
        return np.ones((height, width), np.float32)
    if shape == "ellipse":
        # Supersampled so the edges are anti-aliased like the other shapes after warping.
        big = np.zeros((height * 4, width * 4), np.uint8)
        cv2.ellipse(big, ((width * 2 - 0.5, height * 2 - 0.5), (width * 4, height * 4), 0), 255, -1)
        return cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    if shape == "silhouette" and photographs:
        silhouette = _silhouette()
        if silhouette is not None:
            return cv2.resize(silhouette.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA)
    # A random star-shaped polygon, stretched to touch the four sides.
    count = int(rng.integers(5, 10))
    angles = np.sort(rng.uniform(0, 2 * np.pi, count))
    radii = rng.uniform(0.45, 1.0, count)
    pts = np.stack([np.cos(angles) * radii, np.sin(angles) * radii], axis=1)
    pts = (pts - pts.min(0)) / np.maximum(pts.max(0) - pts.min(0), 1e-6)
    pts = pts * [width * 4 - 1, height * 4 - 1]
    big = np.zeros((height * 4, width * 4), np.uint8)
    cv2.fillPoly(big, [np.round(pts).astype(np.int32)], 255)
    mask = cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA)
    return mask.astype(np.float32) / 255.0


def _cut_texture(rng: np.random.Generator, image: np.ndarray, width: int, height: int) -> np.ndarray:
    """A random window of ``image`` resized to (height, width), grey images tinted at random."""
    ih, iw = image.shape[:2]
    zoom = rng.uniform(0.6, 1.6)
    cw = int(min(iw, max(8, round(width * zoom))))
    ch = int(min(ih, max(8, round(height * zoom))))
    x = int(rng.integers(0, iw - cw + 1))
    y = int(rng.integers(0, ih - ch + 1))
    patch = cv2.resize(image[y : y + ch, x : x + cw], (width, height), interpolation=cv2.INTER_AREA)
    if np.array_equal(patch[:, :, 0], patch[:, :, 1]) and np.array_equal(patch[:, :, 1], patch[:, :, 2]):
        tint = rng.uniform(0.75, 1.0, 3)
        patch = np.clip(patch.astype(np.float32) * tint, 0, 255).astype(np.uint8)
    return patch


def _radius(layer_size: tuple[int, int], scale: float) -> float:
    """Half the diagonal of a (w, h) texture at ``scale``: no pose puts a pixel farther from the centre."""
    return 0.5 * math.hypot(*layer_size) * scale


def _schedule(rng: np.random.Generator, cfg: SyntheticConfig, exit_frames: int) -> list[tuple[str, int, int]]:
    """Start and end frames of the events, in disjoint slots spread over the sequence (order random)."""
    kinds = ["exit"] * cfg.exits + ["occlusion"] * cfg.occlusions + ["full_occlusion"] * cfg.full_occlusions
    if not kinds:
        return []
    rng.shuffle(kinds)
    durations = {"exit": exit_frames, "occlusion": _EVENT_FRAMES, "full_occlusion": _EVENT_FRAMES + 8}
    needed = _WARMUP_FRAMES + sum(durations[k] + 2 for k in kinds)
    if cfg.length < needed:
        raise ConfigError(
            f"SyntheticConfig.length = {cfg.length}: too short for {len(kinds)} events "
            f"({cfg.exits} exits, {cfg.occlusions} occlusions, {cfg.full_occlusions} full occlusions); "
            f"needs at least {needed} frames"
        )
    slack = cfg.length - needed
    cuts = np.sort(rng.integers(0, slack + 1, len(kinds)))
    events, t = [], _WARMUP_FRAMES
    previous = 0
    for kind, cut in zip(kinds, cuts):
        t += int(cut - previous)
        previous = int(cut)
        events.append((kind, t, t + durations[kind]))
        t += durations[kind] + 2
    return events


def plan_sequence(
    seed: int, config: SyntheticConfig | None = None, images: Sequence[np.ndarray] | None = None
) -> SequencePlan:
    """Draw everything about a sequence from ``seed`` (0 or more): imagery, shapes, motions, events, lighting, noise.

    ``images`` (BGR uint8 arrays) replace the config's image sources, e.g. flat colours in tests.
    """
    cfg = config or SyntheticConfig()
    pool = list(images) if images is not None else load_images(cfg)
    if not pool:
        raise DatasetError("no source images to cut objects and backgrounds from")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed {seed!r}: expected a whole number of 0 or more")
    rng = np.random.default_rng(seed)
    W, H, T = cfg.width, cfg.height, cfg.length
    short = min(W, H)

    def pick(exclude: int | None = None) -> int:
        choices = [i for i in range(len(pool)) if i != exclude] or [0]
        return int(choices[int(rng.integers(0, len(choices)))])

    # Background: a window of a photograph, larger than the frame by the pan margin.
    bg_index = pick()
    mx, my = int(round(cfg.camera_pan * W / 2)), int(round(cfg.camera_pan * H / 2))
    background = _cut_texture(rng, pool[bg_index], W + 2 * mx, H + 2 * my)
    pan = np.stack(
        [np.round(mx + mx * _smooth_curve(rng, T)), np.round(my + my * _smooth_curve(rng, T))], axis=1
    ).astype(int)
    gain = 1.0 + cfg.illumination * _smooth_curve(rng, T)[:, None]
    gain = gain * (1.0 + (cfg.illumination / 3) * np.stack([_smooth_curve(rng, T) for _ in range(3)], axis=1))

    # Target texture and shape.
    area = rng.uniform(*cfg.target_area) * W * H
    aspect = rng.uniform(*cfg.target_aspect)
    tw, th = max(4, int(round(math.sqrt(area * aspect)))), max(4, int(round(math.sqrt(area / aspect))))
    shape = cfg.shapes[int(rng.integers(0, len(cfg.shapes)))]
    target_index = pick(bg_index)
    texture = _cut_texture(rng, pool[target_index], tw, th)
    mask = _shape_mask(rng, shape, tw, th, photographs=cfg.photographs)

    # Target pose: scale, aspect and rotation walks.
    scale = np.exp(
        _bounded_walk(rng, T, 0.0, math.log(cfg.scale_range[0]), math.log(cfg.scale_range[1]), cfg.scale_rate)
    )
    stretch = np.exp(
        _bounded_walk(
            rng, T, 0.0, math.log(cfg.aspect_range[0]), math.log(cfg.aspect_range[1]), cfg.scale_rate / 2
        )
    )
    angle = _bounded_walk(rng, T, 0.0, -cfg.max_rotation, cfg.max_rotation, cfg.rotation_rate)
    speed = cfg.max_speed * short
    blur_margin = cfg.motion_blur * max(speed, short / 20) + 2
    radius = [_radius((tw, th), s * max(stretch[t], 1 / stretch[t])) for t, s in enumerate(scale)]
    max_radius = _radius((tw, th), cfg.scale_range[1] * max(cfg.aspect_range[1], 1 / cfg.aspect_range[0]))
    if 2 * (max_radius + blur_margin) >= short:
        raise ConfigError(
            f"SyntheticConfig.target_area = {cfg.target_area}: with scale_range {cfg.scale_range} the target "
            f"(up to {2 * max_radius:.0f} px across) does not fit in a {W}x{H} frame"
        )

    margin = max_radius + blur_margin  # a centre this far inside keeps the whole (blurred) target in view
    exit_speed = max(speed, short / 20)
    events = _schedule(rng, cfg, _exit_frames_bound(cfg, exit_speed, margin))

    # Target centre: a bouncing walk with momentum, overridden during exits.
    center = np.empty((T, 2))
    pos = np.array([rng.uniform(margin, W - 1 - margin), rng.uniform(margin, H - 1 - margin)])
    velocity = np.zeros(2)
    exits = {start for kind, start, _ in events if kind == "exit"}
    exit_ends: dict[int, int] = {}
    t = 0
    while t < T:
        if t in exits:
            end = _plan_exit(rng, cfg, center, pos, t, exit_speed, margin)
            exit_ends[t] = end
            t = end
            pos = center[t - 1].copy()
            velocity = np.zeros(2)
            continue
        center[t] = pos
        velocity = np.clip(0.92 * velocity + rng.normal(0.0, 0.3 * speed, 2), -speed, speed)
        pos = pos + velocity
        for axis, size in ((0, W), (1, H)):
            if pos[axis] < margin or pos[axis] > size - 1 - margin:
                pos[axis] = float(np.clip(pos[axis], margin, size - 1 - margin))
                velocity[axis] = -velocity[axis]
        t += 1
    events = [(kind, start, exit_ends.get(start, end)) for kind, start, end in events]
    displacement = np.diff(center, axis=0, prepend=center[:1])
    target = Layer(
        texture=texture,
        mask=mask,
        center=center,
        scale=np.stack([scale * stretch, scale / stretch], axis=1),
        angle=angle,
        blur=displacement * cfg.motion_blur,
        active=np.ones(T, bool),
    )

    distractors = [_plan_distractor(rng, cfg, target, speed) for _ in range(cfg.distractors)]
    occluders = [
        _plan_occluder(rng, cfg, pool, target, radius, blur_margin, kind, start, end, pick(target_index))
        for kind, start, end in events
        if kind != "exit"
    ]

    noise, noise_offset = None, np.zeros((T, 2), int)
    if cfg.noise > 0:
        noise = rng.standard_normal((2 * H, 2 * W, 3), dtype=np.float32) * np.float32(cfg.noise)
        noise_offset = np.stack([rng.integers(0, W + 1, T), rng.integers(0, H + 1, T)], axis=1)
    return SequencePlan(cfg, seed, background, pan, gain, noise, noise_offset, target, distractors, occluders, events)


def _exit_frames_bound(cfg: SyntheticConfig, speed: float, margin: float) -> int:
    """Most frames ``_plan_exit`` can take (out to the nearest side, hidden, back in near the entry point)."""
    short = min(cfg.width, cfg.height)
    away = margin + 2
    out_frames = math.ceil((short / 2 + away) / speed) + 1
    in_frames = math.ceil((away + max(margin, short / 3) + margin) / speed) + 1
    return out_frames + cfg.exit_frames[1] + in_frames + 1


def _plan_exit(
    rng: np.random.Generator,
    cfg: SyntheticConfig,
    center: np.ndarray,
    pos: np.ndarray,
    start: int,
    speed: float,
    margin: float,
) -> int:
    """Fill ``center`` from frame ``start`` for an exit: out through the nearest side at ``speed``, hidden for a
    while, back in through a random side. Returns the frame after it; the rest of its slot is ordinary motion."""
    W, H = cfg.width, cfg.height
    size = (W, H)
    away = margin + 2  # the whole target, blurred, is outside once its centre is this far past the border

    def crossing(side: int, lateral: float, depth: float) -> np.ndarray:
        """A point ``depth`` pixels inside side 0 (left), 1 (right), 2 (top) or 3 (bottom); negative: outside."""
        axis = side // 2  # 0: x is the normal (left/right), 1: y is
        normal = depth if side % 2 == 0 else size[axis] - 1 - depth
        return np.array([normal, lateral]) if axis == 0 else np.array([lateral, normal])

    distances = [pos[0], W - 1 - pos[0], pos[1], H - 1 - pos[1]]
    side = int(np.argmin(distances))
    exit_at = crossing(side, pos[1] if side < 2 else pos[0], -away)
    out_frames = max(2, int(math.ceil(np.linalg.norm(exit_at - pos) / speed)))
    hidden = int(rng.integers(cfg.exit_frames[0], cfg.exit_frames[1] + 1))
    side = int(rng.integers(0, 4))
    length = size[1] if side < 2 else size[0]
    lateral = float(np.clip(rng.uniform(0.2, 0.8) * (length - 1), margin, length - 1 - margin))
    entry = crossing(side, lateral, -away)
    inside = crossing(side, lateral, rng.uniform(margin, max(margin, min(W, H) / 3)))
    in_frames = max(2, int(math.ceil(np.linalg.norm(inside - entry) / speed)))
    path = [pos + (exit_at - pos) * (k / out_frames) for k in range(out_frames + 1)]
    path += [exit_at] * hidden
    path += [entry + (inside - entry) * (k / in_frames) for k in range(in_frames + 1)]
    path = path[: cfg.length - start]
    center[start : start + len(path)] = path
    return start + len(path)


def _plan_distractor(rng: np.random.Generator, cfg: SyntheticConfig, target: Layer, speed: float) -> Layer:
    """A look-alike: the target's texture and shape, colour-jittered, on its own bouncing path (kept in view)."""
    T, W, H = cfg.length, cfg.width, cfg.height
    jitter = rng.uniform(0.92, 1.08, 3)
    texture = np.clip(target.texture.astype(np.float32) * jitter, 0, 255).astype(np.uint8)
    h0, w0 = texture.shape[:2]
    size = rng.uniform(0.8, 1.2)
    scale = target.scale * size
    margin = _radius((w0, h0), float(scale.max())) + 2
    margin = min(margin, min(W, H) / 2 - 1)
    x = _bounded_walk(rng, T, rng.uniform(margin, W - 1 - margin), margin, W - 1 - margin, speed)
    y = _bounded_walk(rng, T, rng.uniform(margin, H - 1 - margin), margin, H - 1 - margin, speed)
    center = np.stack([x, y], axis=1)
    angle = _bounded_walk(rng, T, rng.uniform(-cfg.max_rotation, cfg.max_rotation) if cfg.max_rotation else 0.0,
                          -cfg.max_rotation, cfg.max_rotation, cfg.rotation_rate)
    displacement = np.diff(center, axis=0, prepend=center[:1])
    return Layer(texture, target.mask, center, scale, angle, displacement * cfg.motion_blur, np.ones(T, bool))


def _plan_occluder(
    rng: np.random.Generator,
    cfg: SyntheticConfig,
    pool: Sequence[np.ndarray],
    target: Layer,
    radius: Sequence[float],
    blur_margin: float,
    kind: str,
    start: int,
    end: int,
    image_index: int,
) -> Layer:
    """An occluder crossing in front of the target during frames [start, end), moving relative to it.

    Partial: a rectangle of at most half the target's mask area, so at least half the target stays visible.
    Full: a square wider than the target's whole extent, held over it for a few frames in the middle.
    """
    T = cfg.length
    h0, w0 = target.mask.shape
    mask_area = float((target.mask >= 0.5).sum())
    if kind == "full_occlusion":
        side = 2 * (1.25 * max(radius[start:end]) + blur_margin + 2)
        ow = oh = max(4, int(math.ceil(side)))
        scale_rel = np.ones(T)
        hold = 8
    else:
        ratio = rng.uniform(0.2, 0.45)
        aspect = rng.uniform(0.25, 4.0)
        # Area at the event's first frame, then scaled with the target: the ratio to the target's area stays.
        start_area = float(target.scale[start, 0] * target.scale[start, 1])
        base = mask_area * start_area * ratio
        ow = max(2, int(math.floor(math.sqrt(base * aspect))))
        oh = max(2, int(math.floor(math.sqrt(base / aspect))))
        scale_rel = np.sqrt(target.scale[:, 0] * target.scale[:, 1] / start_area)
        hold = 0
    texture = _cut_texture(rng, pool[image_index], ow, oh)
    mask = np.ones((oh, ow), np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    unit = np.array([math.cos(direction), math.sin(direction)])
    angle_value = rng.uniform(-45, 45) if kind != "full_occlusion" else 0.0
    center = np.zeros((T, 2))
    active = np.zeros(T, bool)
    frames = end - start
    travel = frames - hold
    for k in range(frames):
        t = start + k
        if t >= T:
            break
        reach = max(radius[t] + blur_margin, 1.0) + _radius((ow, oh), float(scale_rel[t])) + 2
        if k < travel // 2:
            progress = k / max(travel // 2, 1) * 0.5
        elif k < travel // 2 + hold:
            progress = 0.5
        else:
            progress = 0.5 + (k - travel // 2 - hold) / max(travel - travel // 2 - 1, 1) * 0.5
        center[t] = target.center[t] + (2 * progress - 1) * reach * unit
        active[t] = True
    scale = np.stack([scale_rel, scale_rel], axis=1)
    return Layer(texture, mask, center, scale, np.full(T, angle_value), np.zeros((T, 2)), active)


# ----------------------------------------------------------------------------------------------------------------------
# Rendering


@dataclass(frozen=True)
class SyntheticFrame:
    """One rendered frame and its annotation (see the module docstring for the conventions)."""

    image: np.ndarray  # (H, W, 3) uint8 BGR
    box: np.ndarray  # (4,) xywh of the target's pixels inside the frame; NaN when absent
    object_box: np.ndarray  # (4,) xywh of the whole target
    in_frame: float  # fraction of the target's pixels inside the frame
    occlusion: float  # fraction of the target's in-frame pixels hidden by occluders

    @property
    def visibility(self) -> float:
        return self.in_frame * (1.0 - self.occlusion)

    @property
    def absent(self) -> bool:
        return bool(np.isnan(self.box[0]))


def _motion_kernel(vector: np.ndarray) -> np.ndarray | None:
    length = float(np.hypot(*vector))
    if length < 1.0:
        return None
    size = int(math.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    c = (size - 1) / 2
    d = vector / length * (length - 1) / 2
    cv2.line(kernel, (int(round(c - d[0])), int(round(c - d[1]))), (int(round(c + d[0])), int(round(c + d[1]))), 1.0)
    return kernel / kernel.sum()


def _draw(frame: np.ndarray, layer: Layer, t: int) -> tuple[np.ndarray, int, int]:
    """Composite ``layer`` at frame ``t`` onto the float32 ``frame``; return (its alpha >= 0.5 mask, x0, y0).

    The mask covers the layer's whole canvas, also where it lies outside the frame; (x0, y0) is its top-left pixel.
    """
    h0, w0 = layer.mask.shape
    a = math.radians(float(layer.angle[t]))
    sx, sy = layer.scale[t]
    # Patch pixel p maps to centre + R S (p - patch centre); y points down, so a positive angle turns counter-clockwise.
    A = np.array([[math.cos(a) * sx, math.sin(a) * sy], [-math.sin(a) * sx, math.cos(a) * sy]])
    pc = np.array([(w0 - 1) / 2, (h0 - 1) / 2])
    corners = (np.array([[0, 0], [w0 - 1, 0], [0, h0 - 1], [w0 - 1, h0 - 1]]) - pc) @ A.T + layer.center[t]
    pad = 2 + int(math.ceil(np.abs(layer.blur[t]).max() / 2))
    x0 = int(math.floor(corners[:, 0].min())) - pad
    y0 = int(math.floor(corners[:, 1].min())) - pad
    cw = int(math.ceil(corners[:, 0].max())) + pad + 1 - x0
    ch = int(math.ceil(corners[:, 1].max())) + pad + 1 - y0
    M = np.hstack([A, (layer.center[t] - A @ pc - [x0, y0])[:, None]])
    colour = cv2.warpAffine(layer.texture, M, (cw, ch), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.warpAffine(layer.mask, M, (cw, ch), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    colour = colour.astype(np.float32)
    kernel = _motion_kernel(layer.blur[t])
    if kernel is not None:
        premultiplied = cv2.filter2D(colour * alpha[:, :, None], -1, kernel, borderType=cv2.BORDER_CONSTANT)
        alpha = cv2.filter2D(alpha, -1, kernel, borderType=cv2.BORDER_CONSTANT)
        colour = premultiplied / np.maximum(alpha, 1e-6)[:, :, None]
    H, W = frame.shape[:2]
    fx0, fy0, fx1, fy1 = max(x0, 0), max(y0, 0), min(x0 + cw, W), min(y0 + ch, H)
    if fx1 > fx0 and fy1 > fy0:
        a_roi = alpha[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0, None]
        c_roi = colour[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0]
        region = frame[fy0:fy1, fx0:fx1]
        region += (c_roi - region) * a_roi
    return alpha >= 0.5, x0, y0


def _box_of(mask: np.ndarray, x0: int, y0: int) -> np.ndarray:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return np.full(4, np.nan)
    return np.array([x0 + cols[0], y0 + rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1], dtype=np.float64)


def render_frame(plan: SequencePlan, index: int) -> SyntheticFrame:
    """Render frame ``index`` of a planned sequence (independently of the other frames)."""
    cfg = plan.config
    if not 0 <= index < cfg.length:
        raise IndexError(f"frame {index} of a {cfg.length}-frame synthetic sequence")
    W, H = cfg.width, cfg.height
    px, py = plan.pan[index]
    frame = plan.background[py : py + H, px : px + W].astype(np.float32)
    for layer in plan.distractors:
        _draw(frame, layer, index)
    target_mask, tx, ty = _draw(frame, plan.target, index)
    cover = None
    for layer in plan.occluders:
        if layer.active[index]:
            mask, ox, oy = _draw(frame, layer, index)
            if cover is None:
                cover = np.zeros((H, W), bool)
            fx0, fy0 = max(ox, 0), max(oy, 0)
            fx1, fy1 = min(ox + mask.shape[1], W), min(oy + mask.shape[0], H)
            if fx1 > fx0 and fy1 > fy0:
                cover[fy0:fy1, fx0:fx1] |= mask[fy0 - oy : fy1 - oy, fx0 - ox : fx1 - ox]
    frame *= plan.gain[index].astype(np.float32)
    if plan.noise is not None:
        nx, ny = plan.noise_offset[index]
        frame += plan.noise[ny : ny + H, nx : nx + W]
    image = np.clip(frame, 0, 255, out=frame).astype(np.uint8)

    # Annotation from the target's rendered mask.
    total = int(target_mask.sum())
    object_box = _box_of(target_mask, tx, ty)
    inside = np.zeros_like(target_mask)
    fx0, fy0 = max(tx, 0), max(ty, 0)
    fx1, fy1 = min(tx + target_mask.shape[1], W), min(ty + target_mask.shape[0], H)
    if fx1 > fx0 and fy1 > fy0:
        inside[fy0 - ty : fy1 - ty, fx0 - tx : fx1 - tx] = target_mask[fy0 - ty : fy1 - ty, fx0 - tx : fx1 - tx]
    in_count = int(inside.sum())
    hidden = 0
    if cover is not None and in_count:
        hidden = int((inside[fy0 - ty : fy1 - ty, fx0 - tx : fx1 - tx] & cover[fy0:fy1, fx0:fx1]).sum())
    box = _box_of(inside, tx, ty) if in_count > hidden else np.full(4, np.nan)
    return SyntheticFrame(
        image=image,
        box=box,
        object_box=object_box,
        in_frame=in_count / total if total else 0.0,
        occlusion=hidden / in_count if in_count else 0.0,
    )


# ----------------------------------------------------------------------------------------------------------------------
# Whole sequences and the OTB layout


@dataclass(frozen=True)
class SyntheticSequence:
    """A rendered sequence: BGR frames and per-frame annotation arrays (see the module docstring)."""

    name: str
    frames: list[np.ndarray]
    boxes: np.ndarray  # (T, 4) xywh, NaN rows where the target is absent
    object_boxes: np.ndarray  # (T, 4) xywh of the whole target
    in_frame: np.ndarray  # (T,) fraction of the target's pixels inside the frame
    occlusion: np.ndarray  # (T,) fraction of the in-frame pixels hidden by occluders
    events: list[tuple[str, int, int]]

    @property
    def absent(self) -> np.ndarray:
        return np.isnan(self.boxes[:, 0])

    @property
    def visibility(self) -> np.ndarray:
        return self.in_frame * (1.0 - self.occlusion)


def generate_sequence(
    seed: int,
    config: SyntheticConfig | None = None,
    images: Sequence[np.ndarray] | None = None,
    name: str | None = None,
) -> SyntheticSequence:
    """Plan and render a whole sequence; the same seed and config give identical frames and boxes."""
    plan = plan_sequence(seed, config, images)
    rendered = [render_frame(plan, t) for t in range(plan.length)]
    return SyntheticSequence(
        name=name or f"synthetic_{seed:06d}",
        frames=[r.image for r in rendered],
        boxes=np.stack([r.box for r in rendered]),
        object_boxes=np.stack([r.object_box for r in rendered]),
        in_frame=np.array([r.in_frame for r in rendered]),
        occlusion=np.array([r.occlusion for r in rendered]),
        events=list(plan.events),
    )


def write_otb_sequence(sequence: SyntheticSequence, root: str | Path, jpeg_quality: int = 95) -> Path:
    """Write ``root/NAME/img/00001.jpg ...`` and the annotation in the OTB layout ``siamban test --dataset OTB100``
    reads: ``groundtruth_rect.txt`` (``x,y,w,h`` per frame, 0-based pixels, ``0,0,0,0`` when absent; the same lines
    as ``groundtruth.txt``, the name training and ``--dataset folders`` look for first), ``absence.label`` (1 where
    absent, as GOT-10k) and ``visibility.txt``; return the folder. Every file is written atomically, the annotation
    last, so an interrupted run leaves no folder that reads as a whole sequence."""
    folder = Path(root) / sequence.name
    images = folder / "img"
    for i, frame in enumerate(sequence.frames, start=1):
        path = images / f"{i:05d}.jpg"
        ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
        if not ok:
            raise DatasetError(f"{path}: could not encode the frame")
        write_bytes_atomic(path, encoded.tobytes(), durable=False)  # frames can be remade: no fsync per file
    boxes = "".join(format_box(b) + "\n" for b in sequence.boxes)
    write_text_atomic(folder / "absence.label", "".join(f"{int(a)}\n" for a in sequence.absent))
    write_text_atomic(folder / "visibility.txt", "".join(f"{v:.4f}\n" for v in sequence.visibility))
    write_text_atomic(folder / "groundtruth.txt", boxes)
    write_text_atomic(folder / "groundtruth_rect.txt", boxes)
    return folder


def write_otb_sequences(
    root: str | Path, seeds: Iterable[int], config: SyntheticConfig | None = None, prefix: str = "synthetic",
    progress: bool = True,
) -> list[Path]:
    """Generate and write one OTB-layout folder per seed (``PREFIX_SEED``), with a progress bar unless not
    ``progress``."""
    seeds = list(seeds)
    return [
        write_otb_sequence(generate_sequence(seed, config, name=f"{prefix}_{seed:06d}"), root)
        for seed in progress_bar(seeds, desc="synthetic sequences", unit="seq", disable=not progress)
    ]
