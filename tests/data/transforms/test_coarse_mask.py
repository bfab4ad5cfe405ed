"""GenerateCoarseMask: the online LR coarse mask."""
import cv2
import numpy as np

from segrefiner.data import GenerateCoarseMask, fill_holes


def ring():
    mask = cv2.circle(np.zeros((128, 128), np.uint8), (64, 64), 45, 1, -1)
    return cv2.circle(mask, (64, 64), 25, 0, -1)


def test_generates_a_seeded_binary_coarse_mask():
    gt = ring()
    out = GenerateCoarseMask()(dict(gt_mask=gt, seed=1))
    coarse = out['coarse_mask']
    assert coarse.shape == gt.shape and coarse.dtype == np.uint8
    assert set(np.unique(coarse)) == {0, 1} and not np.array_equal(coarse, gt)
    assert np.array_equal(
        coarse,
        GenerateCoarseMask()(dict(gt_mask=gt, seed=1))['coarse_mask'])
    assert not np.array_equal(
        coarse,
        GenerateCoarseMask()(dict(gt_mask=gt, seed=2))['coarse_mask'])


def test_expand_prob_selects_the_hole_filled_variant():
    gt = ring()
    hole = (fill_holes(gt) - gt).astype(bool)
    for seed in range(3):
        expand = GenerateCoarseMask(expand_prob=1.0)(dict(gt_mask=gt,
                                                          seed=seed))
        plain = GenerateCoarseMask()(dict(gt_mask=gt, seed=seed))
        assert expand['coarse_mask'][hole].mean() > 0.9
        assert plain['coarse_mask'][hole].mean() < 0.9


def test_coarse_cfg_reaches_modify_boundary():
    gt = ring()
    out = GenerateCoarseMask(iou_target=0.5,
                             coarse_cfg=dict(iou_reference='input'))(dict(
                                 gt_mask=gt, seed=0))
    coarse, gt = out['coarse_mask'].astype(bool), gt.astype(bool)
    assert (coarse & gt).sum() / (coarse | gt).sum() < 0.5
