"""Generated sequences: determinism, exact boxes, exits, occlusions and the OTB writer."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from siamban.data.synthetic import (
    DEFAULT_IMAGES,
    SyntheticConfig,
    default_image_dir,
    generate_sequence,
    plan_sequence,
    render_frame,
    write_otb_sequence,
)
from siamban.errors import ConfigError, DatasetError

# Two flat colours; whichever becomes the background, one channel is 20 there and 220 on the object.
FLAT_BGR = ((220, 60, 20), (20, 160, 220))


def _flat_images() -> list[np.ndarray]:
    return [np.full((300, 400, 3), colour, np.uint8) for colour in FLAT_BGR]


def _object_mask(frame: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Pixels showing more object than background: past the midpoint (120) of the channel that is 20 -> 220.

    The renderer blends ``bg + (object - bg) * alpha`` and truncates, so with bg = 20 this is exactly alpha >= 0.5.
    """
    channel = int(np.flatnonzero(background == 20)[0])
    return frame[:, :, channel] >= 120


def _background(seed: int, config: SyntheticConfig) -> np.ndarray:
    return plan_sequence(seed, config, images=_flat_images()).background[0, 0]


def _textured_images() -> list[np.ndarray]:
    """Smooth random colour textures (photograph-like spectra: JPEG keeps them within a few grey levels)."""
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 256, (200, 260, 3), dtype=np.uint8) for _ in range(3)]
    smooth = [cv2.GaussianBlur(n, (0, 0), 3).astype(np.float32) for n in noise]
    return [np.clip((s - 126) * 8 + 128, 0, 255).astype(np.uint8) for s in smooth]


# A plain scene: flat colours, no lighting change, no noise, no camera motion, nothing else in view.
PLAIN = SyntheticConfig(
    width=320, height=240, length=40, illumination=0.0, noise=0.0, camera_pan=0.0, distractors=0, occlusions=0
)


def _tight_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def test_same_seed_same_sequence_other_seed_other_sequence() -> None:
    config = SyntheticConfig(width=160, height=120, length=60, occlusions=1, distractors=1, exits=0)
    a = generate_sequence(11, config, images=_textured_images())
    b = generate_sequence(11, config, images=_textured_images())
    c = generate_sequence(12, config, images=_textured_images())
    assert len(a.frames) == 60 and a.frames[0].shape == (120, 160, 3) and a.frames[0].dtype == np.uint8
    assert all(np.array_equal(x, y) for x, y in zip(a.frames, b.frames))
    np.testing.assert_array_equal(a.boxes, b.boxes)
    np.testing.assert_array_equal(a.occlusion, b.occlusion)
    assert a.events == b.events
    assert not np.array_equal(a.boxes, c.boxes)
    # Rendering one frame on its own gives the same frame as rendering the whole sequence.
    single = render_frame(plan_sequence(11, config, images=_textured_images()), 37)
    assert np.array_equal(single.image, a.frames[37])
    np.testing.assert_array_equal(single.box, a.boxes[37])


def test_box_is_the_rendered_object_exactly_on_a_flat_scene() -> None:
    # Upright rectangle of area 0.03125 * 320 * 240 = 2400 px and aspect 1.5: 60 x 40 pixels in every frame,
    # whatever its sub-pixel position.
    config = dataclasses.replace(
        PLAIN,
        target_area=(0.03125, 0.03125),
        target_aspect=(1.5, 1.5),
        shapes=("rectangle",),
        scale_range=(1.0, 1.0),
        aspect_range=(1.0, 1.0),
        max_rotation=0.0,
        motion_blur=0.0,
    )
    seq = generate_sequence(3, config, images=_flat_images())
    background = _background(3, config)
    assert not seq.absent.any()
    for frame, box in zip(seq.frames, seq.boxes):
        assert _tight_box(_object_mask(frame, background)) == tuple(box)
        assert tuple(box[2:]) == (60, 40)
    assert seq.boxes[0].tolist() != seq.boxes[-1].tolist()  # it moved


@pytest.mark.parametrize("shape", ["ellipse", "polygon", "rectangle"])
def test_box_matches_pixels_with_rotation_scale_and_blur(shape: str) -> None:
    config = dataclasses.replace(
        PLAIN, shapes=(shape,), max_rotation=30.0, rotation_rate=3.0, scale_rate=0.03, motion_blur=1.0, max_speed=0.04
    )
    seq = generate_sequence(5, config, images=_flat_images())
    background = _background(5, config)
    widths = seq.boxes[:, 2]
    assert widths.max() > widths.min()  # the size changed
    for frame, box, whole in zip(seq.frames, seq.boxes, seq.object_boxes):
        assert _tight_box(_object_mask(frame, background)) == tuple(box)
        np.testing.assert_array_equal(box, whole)  # the target stays wholly in view without exits
    assert np.all(seq.in_frame == 1.0) and np.all(seq.occlusion == 0.0)


def test_exit_and_reentry_are_annotated_as_configured() -> None:
    config = dataclasses.replace(PLAIN, length=120, exits=1, exit_frames=(6, 6), motion_blur=0.0)
    seq = generate_sequence(8, config, images=_flat_images())
    background = _background(8, config)
    ((kind, start, end),) = seq.events
    assert kind == "exit"
    absent = np.flatnonzero(seq.absent)
    assert absent.size >= 6  # hidden for exit_frames = 6 frames, plus the frames around them wholly outside
    assert start < absent.min() and absent.max() < end - 1
    assert np.array_equal(absent, np.arange(absent.min(), absent.max() + 1))  # one contiguous absence
    assert np.all(seq.in_frame[absent] == 0.0)
    assert np.all(np.isnan(seq.boxes[absent]))
    assert not np.isnan(seq.object_boxes).any()  # the whole target's box is known throughout
    outside_event = np.r_[0:start, end:120]
    assert np.all(seq.in_frame[outside_event] == 1.0)
    assert not seq.absent[end:].any()
    # Partly outside: the box covers the inside part only, and matches the pixels.
    partly = np.flatnonzero((seq.in_frame > 0) & (seq.in_frame < 1))
    assert partly.size >= 4
    for t in partly:
        x, y, w, h = seq.boxes[t]
        assert x >= 0 and y >= 0 and x + w <= 320 and y + h <= 240
        assert _tight_box(_object_mask(seq.frames[t], background)) == (x, y, w, h)
        assert w * h < seq.object_boxes[t, 2] * seq.object_boxes[t, 3]


def test_occlusions_partial_and_full() -> None:
    images = _flat_images() + [np.full((200, 200, 3), (0, 255, 0), np.uint8)]
    config = dataclasses.replace(PLAIN, length=100, occlusions=1, full_occlusions=1, motion_blur=0.0)
    seq = generate_sequence(21, config, images=images)
    events = {kind: (start, end) for kind, start, end in seq.events}
    assert set(events) == {"occlusion", "full_occlusion"}
    occluded = np.flatnonzero(seq.occlusion > 0)
    in_events = np.zeros(100, bool)
    for start, end in events.values():
        in_events[start:end] = True
    assert in_events[occluded].all()
    assert np.all(seq.in_frame == 1.0)  # occlusion, not exits: the target never leaves the frame

    start, end = events["occlusion"]
    partial = seq.occlusion[start:end]
    assert 0.0 < partial.max() <= 0.5  # the partial occluder hides at most half the target
    assert not seq.absent[start:end].any()

    start, end = events["full_occlusion"]
    hidden = np.flatnonzero(seq.absent)
    assert hidden.size >= 8 and np.all((hidden >= start) & (hidden < end))
    assert np.all(seq.occlusion[hidden] == 1.0)
    # Behind the occluder, the box is absent but the target's position is still known.
    assert not np.isnan(seq.object_boxes[hidden]).any()


def test_otb_writer_round_trips(tmp_path) -> None:
    config = dataclasses.replace(PLAIN, width=160, height=120, length=70, exits=1, exit_frames=(5, 5))
    seq = generate_sequence(4, config, images=_textured_images(), name="gen_0004")
    folder = write_otb_sequence(seq, tmp_path)
    assert folder == tmp_path / "gen_0004"
    names = sorted(p.name for p in (folder / "img").iterdir())
    assert names[0] == "00001.jpg" and names[-1] == "00070.jpg" and len(names) == 70
    boxes = np.loadtxt(folder / "groundtruth.txt", delimiter=",")
    np.testing.assert_array_equal(boxes, np.nan_to_num(seq.boxes, nan=0.0))
    assert (boxes[seq.absent] == 0).all() and seq.absent.any()
    absence = np.loadtxt(folder / "absence.label", dtype=int)
    np.testing.assert_array_equal(absence.astype(bool), seq.absent)
    visibility = np.loadtxt(folder / "visibility.txt")
    np.testing.assert_allclose(visibility, seq.visibility, atol=5e-5)
    for i in (0, 35, 69):
        image = cv2.imread(str(folder / "img" / names[i]))
        assert image.shape == (120, 160, 3)
        # Exactly the frame's JPEG at quality 95 (lossy: a few grey levels off on these colourful textures).
        _, encoded = cv2.imencode(".jpg", seq.frames[i], [cv2.IMWRITE_JPEG_QUALITY, 95])
        np.testing.assert_array_equal(image, cv2.imdecode(encoded, cv2.IMREAD_COLOR))
        assert np.abs(image.astype(int) - seq.frames[i]).mean() < 8.0


def test_bad_configs_raise_config_errors() -> None:
    with pytest.raises(ConfigError, match=r"SyntheticConfig.length = 30: too short for 2 events"):
        plan_sequence(0, SyntheticConfig(length=30, exits=1, occlusions=1), images=_textured_images())
    with pytest.raises(ConfigError, match=r"SyntheticConfig.target_area = \(0.1, 0.3\)"):
        SyntheticConfig(target_area=(0.1, 0.3))
    with pytest.raises(ConfigError, match="SyntheticConfig.shapes"):
        SyntheticConfig(shapes=("cube",))
    with pytest.raises(DatasetError, match="image_dir '/no/such/folder': no such folder"):
        plan_sequence(0, SyntheticConfig(image_dir="/no/such/folder", default_images=False))


def test_default_images_are_the_freely_licensed_scikit_image_samples(tmp_path) -> None:
    pytest.importorskip("skimage", reason="scikit-image is not installed")
    folder = default_image_dir()
    for name, licence in DEFAULT_IMAGES.items():
        assert (folder / name).is_file(), name
        assert "public domain" in licence or "CC0" in licence
    # A folder of one's own adds to them.
    cv2.imwrite(str(tmp_path / "mine.png"), np.full((64, 64, 3), 7, np.uint8))
    from siamban.data.synthetic import image_paths

    paths = image_paths(SyntheticConfig(image_dir=str(tmp_path), photographs=True))
    assert len(paths) == len(DEFAULT_IMAGES) + 1 and paths[-1].name == "mine.png"
    assert image_paths(SyntheticConfig(image_dir=str(tmp_path), default_images=False)) == [tmp_path / "mine.png"]
    seq = generate_sequence(1, SyntheticConfig(width=160, height=120, length=20, occlusions=0, photographs=True))
    assert seq.frames[0].shape == (120, 160, 3) and not seq.absent.any()
