import math

import numpy as np
import pytest

from golden import golden_arrays, needs_golden
from siamban.config import TRACKER_PRESETS, TrackConfig
from siamban.geometry import context_size, crop_window, xywh_center
from siamban.tracker.postprocess import (
    TargetState,
    cosine_window,
    decode_boxes,
    foreground_scores,
    point_grid,
    shape_penalty,
    update_state,
)


def test_point_grid_is_centred_and_row_major():
    points = point_grid(8, 25)
    assert points.shape == (625, 2) and points.dtype == np.float32
    assert points[0].tolist() == [-96, -96] and points[1].tolist() == [-88, -96]  # x varies fastest
    assert points[12 * 25 + 12].tolist() == [0, 0] and points[-1].tolist() == [96, 96]


def test_cosine_window_is_the_hanning_outer_product():
    window = cosine_window(5)  # hanning(5) = [0, .5, 1, .5, 0]
    assert window.reshape(5, 5)[2].tolist() == [0, 0.5, 1, 0.5, 0]
    assert window.reshape(5, 5)[1, 1] == 0.25


def test_scores_are_softmax_foreground():
    cls = np.zeros((1, 2, 2, 2), np.float32)
    cls[0, 1, 0, 0] = math.log(3)  # p = 3 / (1 + 3)
    assert foreground_scores(cls)[0].tolist() == pytest.approx([0.75, 0.5, 0.5, 0.5])
    assert foreground_scores(np.zeros((1, 1, 1, 2), np.float32))[0].tolist() == [0.5, 0.5]  # sigmoid variant


def test_boxes_from_distances():
    loc = np.zeros((1, 4, 1, 2), np.float32)
    loc[0, :, 0, 0] = [2, 4, 6, 8]  # point (0, 0): box x1=-2, y1=-4, x2=6, y2=8
    loc[0, :, 0, 1] = [1, 1, 1, 1]  # point (8, 0): box 7..9, -1..1
    boxes = decode_boxes(loc, np.array([[0, 0], [8, 0]], np.float32))
    assert boxes[0, :, 0].tolist() == [2, 2, 8, 12]
    assert boxes[0, :, 1].tolist() == [8, 0, 2, 2]


def test_penalty_hand_computed():
    # state 40x20 at scale 0.5 -> 20x10 in the crop; candidate 20x10 (no change) and 40x10
    boxes = np.array([[[0, 0], [0, 0], [20, 40], [10, 10]]], np.float32)
    penalty = shape_penalty(boxes, np.array([[40.0, 20.0]]), np.array([0.5]), penalty_k=0.1)
    assert penalty[0, 0] == pytest.approx(1.0)
    s_c = math.sqrt((40 + 25) * (10 + 25)) / math.sqrt((20 + 15) * (10 + 15))
    r_c = 4.0 / 2.0
    assert penalty[0, 1] == pytest.approx(math.exp(-(r_c * s_c - 1) * 0.1))


def test_update_state_hand_computed():
    """3x3 maps, one confident off-centre candidate: the new box by hand."""
    cfg = TrackConfig(window_influence=0.0, penalty_k=0.0, lr=0.5)
    points = point_grid(8, 3)  # -8, 0, 8
    cls = np.zeros((1, 2, 3, 3), np.float32)
    cls[0, 1, 0, 2] = math.log(9)  # point (8, -8): score 0.9
    loc = np.full((1, 4, 3, 3), 10, np.float32)
    loc[0, :, 0, 2] = [10, 20, 30, 40]  # box x 8-10..8+30, y -8-20..-8+40 -> cx 18, cy 2, w 40, h 60
    state = TargetState(center=np.array([[100.0, 50.0]]), size=np.array([[20.0, 30.0]]))
    step = update_state(cls, loc, state, np.array([2.0]), np.array([[240, 320]]), cfg, points, cosine_window(3))
    assert step.best_index[0] == 2 and step.best_score[0] == pytest.approx(0.9)
    lr = 0.9 * 0.5
    # centre: old + (18, 2) / 2; size: old * (1 - lr) + (20, 30) * lr (40x60 crop pixels / scale 2)
    assert step.state.center[0].tolist() == pytest.approx([109.0, 51.0])
    assert step.state.size[0].tolist() == pytest.approx([20.0, 30.0])
    assert step.state.boxes_xywh()[0].tolist() == pytest.approx([99.0, 36.0, 20.0, 30.0])
    # clipping to the frame: centre into [0, W] x [0, H], size into [10, W] x [10, H]
    far = TargetState(center=np.array([[318.0, 239.0]]), size=np.array([[4.0, 500.0]]))
    clipped = update_state(cls, loc, far, np.array([2.0]), np.array([[240, 320]]), cfg, points, cosine_window(3))
    assert clipped.state.center[0].tolist() == [320.0, 240.0]
    assert clipped.state.size[0].tolist() == pytest.approx([4 * (1 - lr) + 20 * lr, 240.0])


@needs_golden
@pytest.mark.threads(2)
def test_teacher_forced_against_the_official_tracker():
    """From each official state and frame: the crop is the official crop, and the maps give the official box."""
    g = golden_arrays()
    cfg = TrackConfig(**TRACKER_PRESETS["vot2018"])
    frames, init_box = g["frames"], g["init_box"]
    average = frames[0].mean(axis=(0, 1))
    z = crop_window(frames[0], xywh_center(init_box), 127, round(context_size(init_box[2:], 0.5)), average)
    assert np.abs(z.astype(int) - g["template_crop"].astype(int)).max() <= 1
    points, window = point_grid(8, 25), cosine_window(25)
    for t in range(15):
        before = g["states_before"][t]
        s_z = context_size(before[2:], 0.5)
        x = crop_window(frames[t + 1], before[:2], 255, round(s_z * 255 / 127), average)
        assert np.abs(x.astype(int) - g["search_crops"][t].astype(int)).max() <= 1, f"crop of frame {t + 1}"
        state = TargetState(center=before[None, :2].copy(), size=before[None, 2:].copy())
        step = update_state(
            g["frame_cls"][t][None], g["frame_loc"][t][None], state, np.array([127 / s_z]),
            np.array([frames.shape[1:3]]), cfg, points, window,
        )
        assert np.abs(step.state.boxes_xywh()[0] - g["boxes"][t + 1]).max() < 1e-3, f"box of frame {t + 1}"
        assert step.best_score[0] == pytest.approx(g["scores"][t + 1], abs=1e-6)
