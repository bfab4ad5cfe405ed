"""Truths drawn as an annotator's polygons."""
import cv2
import numpy as np
import pytest

from segrefiner.data.annotation_style import polygon_annotation


def _ring_with_island():
    """A disc with a hole, an island in the hole, a thin stalk and a dot."""
    mask = np.zeros((120, 120), np.uint8)
    cv2.circle(mask, (60, 60), 45, 1, -1)
    cv2.circle(mask, (60, 60), 22, 0, -1)
    cv2.circle(mask, (60, 60), 9, 1, -1)
    mask[5:115, 110] = 1  # a one-pixel-wide part
    mask[2, 2] = 1
    return mask


def test_zero_tolerance_gives_the_mask_back():
    mask = _ring_with_island()
    assert (polygon_annotation(mask, 0) == mask).all()
    assert polygon_annotation(np.zeros((8, 8), bool), 1.5).sum() == 0


@pytest.mark.parametrize('tolerance', [0.5, 1.0, 2.0, 3.0])
def test_polygons_keep_topology_and_stay_within_the_tolerance(tolerance):
    mask = _ring_with_island()
    drawn = polygon_annotation(mask, tolerance)
    assert drawn.dtype == np.uint8 and set(np.unique(drawn)) <= {0, 1}
    # the hole stays a hole, the island, the stalk and the dot stay
    assert drawn[60, 60] == 1 and drawn[60, 46] == 0 and drawn[60, 25] == 1
    assert drawn[5:115, 110].mean() > 0.9 and drawn[2, 2] == 1
    # every changed pixel lies within tolerance (+1 px of rasterising) of
    # the original outline
    outline = mask ^ cv2.erode(mask, np.ones((3, 3), np.uint8))
    dist = cv2.distanceTransform(1 - outline, cv2.DIST_L2, 5)
    assert dist[drawn != mask].max() <= tolerance + 1.5
    # a polygon, not a new shape: a thin band along the outline moves
    assert 0 < (drawn != mask).sum() < 0.1 * mask.sum()


def test_larger_tolerance_moves_more_pixels():
    mask = np.zeros((200, 200), np.uint8)
    cv2.ellipse(mask, (100, 100), (80, 50), 30, 0, 360, 1, -1)
    changed = [int((polygon_annotation(mask, t) != mask).sum())
               for t in (0.5, 2.0, 4.0)]
    assert changed[0] < changed[1] < changed[2]
