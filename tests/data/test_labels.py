"""Label assignment on the 25x25 grid against hand-computed maps, for the ellipse, circle and rectangle shapes.

Grid point (row i, column j) sits at x = 31 + 8 j, y = 31 + 8 i on the 255 search patch. Every box below is centred
on a grid point, so the offsets of the points from the centre are multiples of 8 and each region can be counted by
hand (the comments do it).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from siamban.config import TrainConfig
from siamban.data.labels import assign_labels, label_points, label_regions
from siamban.errors import ConfigError

POINTS = label_points(255, 25, 8)
UNCAPPED = TrainConfig(pos_num=625, total_num=1250, neg_num=625)  # no random selection: the whole regions


def grid_box(row: int, col: int, w: float, h: float) -> tuple[float, float, float, float]:
    """Box (x1, y1, x2, y2) of size (w, h) centred on grid point (row, col)."""
    cx, cy = 31 + 8 * col, 31 + 8 * row
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def cells(mask: np.ndarray) -> set[tuple[int, int]]:
    return {(int(r), int(c)) for r, c in zip(*np.nonzero(mask))}


def rows(spec: dict[int, range]) -> set[tuple[int, int]]:
    """{row: columns} -> set of (row, column)."""
    return {(r, c) for r, cols in spec.items() for c in cols}


def test_grid_points():
    assert POINTS.shape == (2, 25, 25) and POINTS.dtype == np.float32
    assert POINTS[0, 0].tolist() == list(range(31, 224, 8))  # x runs along the columns ...
    assert POINTS[1, :, 0].tolist() == list(range(31, 224, 8))  # ... y along the rows
    assert np.all(POINTS[0] == POINTS[0, :1]) and np.all(POINTS[1] == POINTS[1, :, :1])
    assert label_points(255, 17, 8)[0, 0, :3].tolist() == [63, 71, 79]  # 127 - 8 * 8 = 63


def test_ellipse_hand_computed():
    # 64 x 32 box centred on point (row 8, col 16) = (159, 95). E2 semi-axes (16, 8), strict: dy = 0 and |dx| < 16,
    # i.e. columns 15..17 of row 8 (dx = 16 lies on the ellipse: not positive; dy = 8 likewise).
    # E1 semi-axes (32, 16), points on or inside it are not negative: dy = 0: |dx| <= 32 (cols 12..20);
    # dy = 8: (dx/32)^2 <= 3/4, |dx| <= 27.7 (cols 13..19); dy = 16: dx = 0 only. 9 + 2 * 7 + 2 = 25 points.
    box = grid_box(8, 16, 64, 32)
    positive, outside = label_regions(box, POINTS, "ellipse")
    assert cells(positive) == rows({8: range(15, 18)})
    assert cells(~outside) == rows({6: [16], 7: range(13, 20), 8: range(12, 21), 9: range(13, 20), 10: [16]})

    cls, loc = assign_labels(box, POINTS, UNCAPPED, "ellipse", False, np.random.default_rng(0))
    assert cls.dtype == np.int64 and loc.dtype == np.float32 and loc.shape == (4, 25, 25)
    assert cells(cls == 1) == cells(positive) and cells(cls == 0) == cells(outside)
    assert (cls == -1).sum() == 25 - 3  # ignored: between E2 and E1


def test_circle_hand_computed():
    # 72 x 32 box: sqrt(w h) = 48, C2 radius 12: (8k)^2 + (8l)^2 < 144 -> k, l in {-1, 0, 1} (128 < 144): 9 points.
    # C1 radius 24: k^2 + l^2 <= 9 is not negative: 7 (k = 0) + 2 * 5 (|k| = 1) + 2 * 5 (|k| = 2) + 2 (|k| = 3) = 29.
    # The circle ignores the aspect ratio: the ellipse of the same box has 5 positives (dy = 0, |dx| < 18).
    box = grid_box(12, 12, 72, 32)
    positive, outside = label_regions(box, POINTS, "circle")
    assert cells(positive) == rows({11: range(11, 14), 12: range(11, 14), 13: range(11, 14)})
    assert cells(~outside) == rows(
        {9: [12], 10: range(10, 15), 11: range(10, 15), 12: range(9, 16), 13: range(10, 15), 14: range(10, 15),
         15: [12]}
    )
    assert cells(label_regions(box, POINTS, "ellipse")[0]) == rows({12: range(10, 15)})


def test_rectangle_hand_computed():
    # 64 x 32 box at (row 4, col 20): R2 = |dx| < 16 and |dy| < 8: cols 19..21 of row 4. R1 is the box itself:
    # |dx| <= 32 and |dy| <= 16 is not negative: cols 16..24 of rows 2..6 = 45 points (the ellipse had 25).
    box = grid_box(4, 20, 64, 32)
    positive, outside = label_regions(box, POINTS, "rectangle")
    assert cells(positive) == rows({4: range(19, 22)})
    assert cells(~outside) == rows({r: range(16, 25) for r in range(2, 7)})
    # Near the top edge: a box at row 1 reaches past the grid; the region is cut, not shifted.
    positive, outside = label_regions(grid_box(1, 20, 64, 32), POINTS, "rectangle")
    assert cells(~outside) == rows({r: range(16, 25) for r in range(0, 4)})


def test_regression_targets_are_ltrb_distances_at_every_point():
    box = grid_box(8, 16, 64, 32)  # (127, 79, 191, 111)
    assert box == (127, 79, 191, 111)
    cls, loc = assign_labels(box, POINTS, UNCAPPED, "ellipse", False, np.random.default_rng(0))
    assert loc[:, 8, 16].tolist() == [32, 16, 32, 16]  # the centre point (159, 95)
    assert loc[:, 8, 15].tolist() == [24, 16, 40, 16]  # (151, 95)
    assert loc[:, 0, 0].tolist() == [31 - 127, 31 - 79, 191 - 31, 111 - 31]  # far outside: negative distances
    # At every positive, (px - l, py - t, px + r, py + b) gives back the box.
    px, py = POINTS[0][cls == 1], POINTS[1][cls == 1]
    back = np.stack([px - loc[0][cls == 1], py - loc[1][cls == 1], px + loc[2][cls == 1], py + loc[3][cls == 1]], 1)
    assert np.array_equal(back, np.tile(np.float32(box), (3, 1)))


def test_at_most_16_positives_and_48_negatives_chosen_at_random():
    # 160 x 160 box at the centre: E2 radius 40 holds the k^2 + l^2 < 25 lattice points (69 of them);
    # outside E1 (radius 80): k^2 + l^2 > 100, 625 - 317 = 308 points.
    box = grid_box(12, 12, 160, 160)
    positive, outside = label_regions(box, POINTS, "ellipse")
    assert (positive.sum(), outside.sum()) == (69, 308)
    train = TrainConfig()  # POS_NUM 16, TOTAL_NUM 64
    picks = []
    for seed in (0, 1):
        cls, _ = assign_labels(box, POINTS, train, "ellipse", False, np.random.default_rng(seed))
        assert ((cls == 1).sum(), (cls == 0).sum(), (cls == -1).sum()) == (16, 48, 625 - 64)
        assert cells(cls == 1) <= cells(positive) and cells(cls == 0) <= cells(outside)
        picks.append(cls)
    assert not np.array_equal(picks[0], picks[1])  # a random choice ...
    again, _ = assign_labels(box, POINTS, train, "ellipse", False, np.random.default_rng(0))
    assert np.array_equal(again, picks[0])  # ... drawn from the caller's generator
    # A region smaller than the cap is kept whole.
    cls, _ = assign_labels(grid_box(8, 16, 64, 32), POINTS, train, "ellipse", False, np.random.default_rng(0))
    assert ((cls == 1).sum(), (cls == 0).sum()) == (3, 48)
    # The caps come from the config.
    cls, _ = assign_labels(box, POINTS, dataclasses.replace(train, pos_num=5, total_num=12), "circle", False,
                           np.random.default_rng(0))
    assert ((cls == 1).sum(), (cls == 0).sum()) == (5, 7)


@pytest.mark.parametrize("shape", ["ellipse", "circle", "rectangle"])
def test_negative_pairs_label_at_most_neg_num_points_of_the_positive_region(shape):
    big, small = grid_box(12, 12, 160, 160), grid_box(8, 16, 64, 36)
    train = dataclasses.replace(TrainConfig(), neg_num=10)  # NEG_NUM, not POS_NUM, caps them
    cls, loc = assign_labels(big, POINTS, train, shape, True, np.random.default_rng(0))
    assert ((cls == 0).sum(), (cls == 1).sum(), (cls == -1).sum()) == (10, 0, 615)
    assert cells(cls == 0) <= cells(label_regions(big, POINTS, shape)[0])
    assert not loc.any()
    cls, _ = assign_labels(small, POINTS, train, shape, True, np.random.default_rng(0))
    # 64 x 36: ellipse (16, 9): dy = 0, |dx| < 16 (3) and dy = +-8, dx = 0 (2); circle radius 12: the 3 x 3 block
    # (128 < 144); rectangle |dx| < 16, |dy| < 9: the 3 x 3 block.
    inside = {"ellipse": 5, "circle": 9, "rectangle": 9}[shape]
    assert cells(cls == 0) == cells(label_regions(small, POINTS, shape)[0]) and (cls == 0).sum() == inside
    assert (cls == -1).sum() == 625 - inside


def test_unknown_shape_is_a_config_error():
    with pytest.raises(ConfigError, match="DATASET.LABEL_SHAPE: unknown label shape 'square'"):
        label_regions((0, 0, 10, 10), POINTS, "square")
