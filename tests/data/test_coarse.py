"""Coarse-mask synthesis: IoU target, determinism, holes, degenerate masks."""
import cv2
import numpy as np
import pytest

from segrefiner.data.coarse import (fill_holes, modify_boundary, perturb,
                                    polygonize)
from segrefiner.datagen.composites import random_shape


def iou(a, b):
    a, b = a.astype(bool), b.astype(bool)
    return (a & b).sum() / (a | b).sum()


def disk(size=128, radius=40, hole=0):
    mask = cv2.circle(np.zeros((size, size), np.uint8), (size // 2, size // 2),
                      radius, 1, -1)
    return cv2.circle(mask,
                      (size // 2, size // 2), hole, 0, -1) if hole else mask


def shapes():
    rect = np.zeros((128, 128), np.uint8)
    rect[32:96, 40:88] = 1
    ell = np.zeros((128, 128), np.uint8)
    ell[20:100, 20:40] = 1
    ell[80:100, 20:110] = 1
    line = cv2.line(np.zeros((128, 128), np.uint8), (5, 5), (120, 100), 1, 3)
    return dict(disk=disk(),
                rect=rect,
                ell=ell,
                ring=disk(hole=20),
                line=line,
                blob=random_shape(np.random.default_rng(2), (128, 128)))


@pytest.mark.parametrize('name', sorted(shapes()))
def test_reaches_iou_target_against_the_input(name):
    gt = shapes()[name]
    for seed in range(3):
        coarse = modify_boundary(gt,
                                 np.random.default_rng(seed),
                                 iou_reference='input')
        assert coarse.dtype == np.uint8 and set(np.unique(coarse)) <= {0, 1}
        assert iou(coarse, gt) < 0.8


@pytest.mark.parametrize('name', sorted(shapes()))
def test_official_default_measures_the_polygon(name):
    gt = shapes()[name]
    for seed in range(3):
        rng = np.random.default_rng(seed)
        polygon = polygonize(gt, rng)
        coarse = perturb(polygon, rng)
        assert np.array_equal(coarse,
                              modify_boundary(gt, np.random.default_rng(seed)))
        assert iou(coarse, polygon) < 0.8


def test_deterministic_per_seed_and_input_encoding():
    gt = disk()
    first = modify_boundary(gt, np.random.default_rng(7))
    assert np.array_equal(first,
                          modify_boundary(gt * 255, np.random.default_rng(7)))
    assert np.array_equal(
        first, modify_boundary(gt.astype(bool), np.random.default_rng(7)))
    assert not np.array_equal(first,
                              modify_boundary(gt, np.random.default_rng(8)))


def test_expand_variant_fills_holes():
    ring = disk(hole=25)
    hole = fill_holes(ring).astype(bool) & ~ring.astype(bool)
    assert hole.sum() > 1500
    for seed in range(3):
        expand = modify_boundary(ring,
                                 np.random.default_rng(seed),
                                 expand=True)
        plain = modify_boundary(ring, np.random.default_rng(seed))
        assert expand[hole].mean() > 0.9 > plain[hole].mean()


def test_fill_holes_and_move_rate():
    ring = disk(hole=20)
    filled = fill_holes(ring)
    assert np.array_equal(filled, disk()) and np.array_equal(
        fill_holes(filled), filled)
    still = polygonize(ring, np.random.default_rng(0))
    moved = polygonize(ring, np.random.default_rng(0), move_rate=0.1)
    assert not np.array_equal(still, moved)
    assert np.array_equal(
        moved, polygonize(ring, np.random.default_rng(0), move_rate=0.1))


def test_degenerate_masks():
    rng = np.random.default_rng(0)
    empty = np.zeros((64, 64), np.uint8)
    assert not modify_boundary(empty, rng).any()
    tiny = empty.copy()
    tiny[30:32, 30:32] = 1  # contour under 10 points: kept, then perturbed
    out = modify_boundary(tiny, rng)
    assert out.shape == tiny.shape and set(np.unique(out)) <= {0, 1}
    full = np.ones((64, 64), np.uint8)
    out = modify_boundary(full, rng, max_rounds=20)
    assert out.shape == full.shape and out.mean() > 0.5
    sliver = np.ones((2, 50), np.uint8)  # too thin to perturb
    assert np.array_equal(perturb(sliver, rng), sliver)
    assert modify_boundary(sliver, rng).shape == sliver.shape
    with pytest.raises(ValueError):
        modify_boundary(np.ones((4, 4, 3)), rng)
    with pytest.raises(ValueError):
        modify_boundary(full, rng, iou_reference='gt')


def test_column_major_masks_are_accepted():
    # pycocotools decodes masks in Fortran order; OpenCV refuses those.
    disk = np.zeros((64, 64), np.uint8)
    cv2.circle(disk, (32, 32), 20, 1, -1)
    coarse = modify_boundary(np.asfortranarray(disk), np.random.default_rng(0))
    assert coarse.shape == disk.shape and coarse.any()
