"""Hand-computed values of the per-image metrics of evaluation.functional."""
import math

import numpy as np
import pytest

from segrefiner.evaluation.functional import (
    ba_radii, boundary_accuracy, boundary_dilation, boundary_iou,
    intersection_union, iou_from_counts, mask_boundary, mask_iou)


def square(size: tuple[int, int], top: int, left: int,
           side: int) -> np.ndarray:
    """A bool image of ``size`` with a ``side``-px square at (top, left)."""
    mask = np.zeros(size, bool)
    mask[top:top + side, left:left + side] = True
    return mask


GT_SQUARE = square((100, 100), 40, 40, 20)
SHIFTED_SQUARE = square((100, 100), 40, 42, 20)  # two columns to the right


def test_metrics_refuse_probability_maps():
    with pytest.raises(ValueError, match='probabilities'):
        mask_iou(np.array([[0.2, 0.7]]), np.array([[0, 1]]))


def test_iou_of_shifted_square():
    # 20x20 squares two columns apart: 20x18 overlap, 20x22 union.
    assert intersection_union(SHIFTED_SQUARE, GT_SQUARE) == (360, 440)
    assert mask_iou(SHIFTED_SQUARE, GT_SQUARE) == pytest.approx(9 / 11)


def test_iou_reads_0_255_masks_with_the_segrefiner_rule():
    gt = GT_SQUARE.astype(np.uint8) * 255
    pred = SHIFTED_SQUARE.astype(np.uint8) * 128  # kept by >=128
    assert mask_iou(pred, gt) == pytest.approx(9 / 11)


def test_iou_of_empty_masks():
    empty = np.zeros((5, 7), bool)
    assert mask_iou(empty, empty) == 1.0
    assert mask_iou(GT_SQUARE, np.zeros_like(GT_SQUARE)) == 0.0
    assert iou_from_counts(0, 0) == 1.0


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match='shape'):
        mask_iou(np.zeros((4, 5)), np.zeros((5, 4)))


@pytest.mark.parametrize('size, radii', [((375, 500), [1, 1, 1, 2, 2]),
                                         ((3000, 4000), [1, 5, 9, 14, 18]),
                                         ((100, 100), [1, 1, 1, 1, 1])])
def test_ba_radii(size, radii):
    assert ba_radii(*size) == radii


def test_ba_of_shifted_square():
    # 100x100 uses radius 1 only, whose ellipse is the 3x3 cross. Band: the 76
    # inner border pixels and the 80 outer 4-neighbours of the square. Wrong:
    # the outer column right of the square (20), the two left columns of the
    # top and bottom rows (4), and the inner left column between them (18).
    assert boundary_accuracy(SHIFTED_SQUARE, GT_SQUARE) == pytest.approx(
        (156 - 42) / 156)
    assert boundary_accuracy(GT_SQUARE, GT_SQUARE) == 1.0


def test_ba_uses_size_dependent_radii():
    # A vertical edge in a 375x500 image: the radius-r band is the 2r columns
    # around it and a 1-px shift is wrong in exactly one of them, so
    # BA = (3 * 1/2 + 2 * 3/4) / 5 for radii {1, 1, 1, 2, 2}.
    gt = np.zeros((375, 500), bool)
    gt[:, :250] = True
    pred = np.zeros_like(gt)
    pred[:, :251] = True
    assert boundary_accuracy(pred, gt) == pytest.approx(0.6)


def test_ba_of_thin_line():
    # A 1-px line: the radius-1 band is the line, the rows above and below it
    # and its two end neighbours (80 * 3 + 2 px). A one-row shift gets only
    # the row above and the end neighbours right.
    gt = np.zeros((100, 100), bool)
    gt[50, 10:90] = True
    assert boundary_accuracy(np.roll(gt, 1, axis=0),
                             gt) == pytest.approx(82 / 242)
    assert boundary_accuracy(gt, gt) == 1.0


def test_ba_is_nan_without_gt_contour():
    empty, full = np.zeros((50, 60), bool), np.ones((50, 60), bool)
    assert math.isnan(boundary_accuracy(empty, empty))
    assert math.isnan(boundary_accuracy(empty, full))
    assert math.isnan(boundary_accuracy(full, full))


@pytest.mark.parametrize('size, dilation', [((100, 100), 3), ((30, 400), 8),
                                            ((10, 10), 1)])
def test_boundary_dilation(size, dilation):
    assert boundary_dilation(*size) == dilation


def test_boundary_of_interior_square_is_a_ring():
    assert mask_boundary(GT_SQUARE).sum() == 400 - 14 * 14  # d = 3


def test_boundary_counts_pixels_cut_by_the_image_border():
    # A 10x10 square in the corner: all but the 4x4 block at least 3 px away
    # from both the image border and the background is boundary.
    corner = square((100, 100), 0, 0, 10)
    assert mask_boundary(corner).sum() == 100 - 4 * 4
    assert mask_boundary(corner)[0, 0]


def test_boundary_of_full_non_square_image():
    # 30x400: d = 8; the boundary is all but the [8, 22) x [8, 392) core.
    assert mask_boundary(np.ones((30, 400), bool)).sum() == 30 * 400 - 14 * 384


def test_boundary_iou_of_shifted_square():
    # Rings of width 3 two columns apart. Six edge rows share 18 of 22 columns,
    # 14 middle rows share 2 of 10: (6*18 + 14*2) / (6*22 + 14*10) = 136 / 272.
    assert boundary_iou(SHIFTED_SQUARE, GT_SQUARE) == pytest.approx(0.5)
    assert boundary_iou(GT_SQUARE, GT_SQUARE) == 1.0


def test_boundary_iou_is_stricter_than_mask_iou_on_large_objects():
    gt = square((200, 200), 20, 20, 160)
    pred = square((200, 200), 22, 20, 160)
    assert boundary_iou(pred, gt) < mask_iou(pred, gt)


def test_boundary_iou_of_thin_lines():
    gt = np.zeros((100, 100), bool)
    gt[50, 10:90] = True
    assert boundary_iou(gt, gt) == 1.0
    assert boundary_iou(np.roll(gt, 1, axis=0), gt) == 0.0
    assert mask_iou(np.roll(gt, 1, axis=0), gt) == 0.0


def test_boundary_iou_of_empty_masks():
    empty = np.zeros((40, 30), bool)
    assert boundary_iou(empty, empty) == 1.0
    assert boundary_iou(empty, square((40, 30), 5, 5, 10)) == 0.0


def test_boundary_iou_dilation_ratio():
    # Ratio 0.05 of the 141.4-px diagonal gives d = 7. Fourteen edge rows share
    # 18 of 22 columns; the 6 middle rows share 10 of 18: 312 / 416.
    assert boundary_dilation(100, 100, 0.05) == 7
    assert boundary_iou(SHIFTED_SQUARE, GT_SQUARE,
                        dilation_ratio=0.05) == pytest.approx(0.75)


def test_rule_argument_of_every_metric():
    gt = np.zeros((20, 20), np.uint8)
    gt[5:15, 5:15] = 255
    pred = gt.copy()
    pred[5:15, 5:15] = 128  # foreground under >=128, background under >128
    assert mask_iou(pred, gt, rule='>=128') == 1.0
    assert mask_iou(pred, gt, rule='>128') == 0.0
    assert boundary_iou(pred, gt, rule='>=128') == 1.0
    assert boundary_iou(pred, gt, rule='>128') == 0.0
    assert boundary_accuracy(pred, gt, rule='>=128') == 1.0
    assert boundary_accuracy(pred, gt, rule='>128') < 1.0
