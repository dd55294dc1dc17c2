"""The rasterised VOT overlap (pysot-toolkit's region.c) on hand-counted pixel grids."""

from __future__ import annotations

import numpy as np
import pytest

from siamban.evaluation.metrics.region import axis_aligned_box, region_overlaps

SQUARE = [0, 0, 10, 0, 10, 10, 0, 10]
DIAMOND = [5, 0, 10, 5, 5, 10, 0, 5]


def overlap(a, b, bounds=None) -> float:
    return float(region_overlaps(np.array([a], float), np.array([b], float), bounds)[0])


def test_boxes_count_both_edges():
    # (0,0,10,10) covers columns and rows 0..10 (121 pixels); shifted by 5: 66 shared -> 66 / 176
    assert overlap([0, 0, 10, 10], [5, 0, 10, 10]) == pytest.approx(66 / 176)
    assert overlap([0, 0, 10, 10], SQUARE) == 1.0
    assert overlap([0.4, 0.4, 10, 10], [5, 0, 10, 10]) == pytest.approx(66 / 176)  # vertices are rounded


def test_touching_boxes_do_not_overlap_and_bounds_clip():
    assert overlap([0, 0, 10, 10], [10, 0, 10, 10]) == 0.0
    # bounds (12, 20) cut the second box at column 12: 11 + 8 pixels per row, 6 shared
    assert overlap([0, 0, 10, 10], [5, 0, 10, 10], (12, 20)) == pytest.approx(6 / 13)
    assert overlap([0, 0, 10, 10], [50, 50, 10, 10], (40, 40)) == 0.0  # outside the image


def test_diamond_rasterisation_by_hand():
    # rows 1..9 of the diamond fill 3,5,7,9,11,9,7,5,3 pixels; its apex rows are empty: 59 pixels in the 121 box
    assert overlap(DIAMOND, [0, 0, 10, 10]) == pytest.approx(59 / 121, rel=1e-7)
    assert overlap(DIAMOND, DIAMOND) == 1.0


def test_degenerate_regions():
    assert overlap([0, 0, 0, 10], [0, 0, 10, 10]) == 0.0  # zero-width box
    assert region_overlaps(np.zeros((0, 4)), np.zeros((0, 8))).shape == (0,)


def test_vectorised_frames_match_one_at_a_time():
    rng = np.random.default_rng(3)
    centres = rng.uniform(20, 200, (40, 2))
    angles = rng.uniform(0, np.pi, 40)
    polys = []
    for (cx, cy), a in zip(centres, angles):
        c, s = np.cos(a), np.sin(a)
        corners = [(-15, -9), (15, -9), (15, 9), (-15, 9)]
        polys.append([v for dx, dy in corners for v in (cx + c * dx - s * dy, cy + s * dx + c * dy)])
    polys = np.array(polys)
    boxes = np.column_stack([centres - 12 + rng.normal(0, 6, (40, 2)), rng.uniform(10, 40, (40, 2))])
    together = region_overlaps(boxes, polys, (220, 210))
    single = [region_overlaps(boxes[i : i + 1], polys[i : i + 1], (220, 210))[0] for i in range(40)]
    np.testing.assert_array_equal(together, single)
    assert 0.1 < np.nanmean(together) < 0.9


def test_close_to_exact_polygon_overlap_of_the_got10k_toolkit():
    """On large regions the pixel count approaches the exact (shapely) overlap the GOT-10k toolkit computes."""
    from got10k.utils.metrics import poly_iou

    poly = np.array([[100.3, 40.2, 260.7, 80.9, 230.1, 200.4, 70.6, 160.8]])
    box = np.array([[90.0, 50.0, 150.0, 140.0]])
    exact = poly_iou(box, poly, bound=(320, 240))[0]
    assert float(region_overlaps(box, poly, (320, 240))[0]) == pytest.approx(exact, abs=0.01)


def test_axis_aligned_init_box():
    assert axis_aligned_box([10, 10, 30, 10, 30, 30, 10, 30]) == (10.0, 10.0, 21.0, 21.0)
    assert axis_aligned_box([10, 20, 30, 40]) == (10.5, 20.5, 30.0, 40.0)  # pysot's half-pixel init shift
