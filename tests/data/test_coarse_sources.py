"""The coarse-mask sources and the mixing transform."""
import numpy as np
import pytest

from segrefiner.data import MixedCoarseMask
from segrefiner.data.coarse_sources import (SOURCES, low_res_roundtrip,
                                            make_coarse, mask_head_roundtrip,
                                            morph_jitter)


def _disc(size=160, radius=50):
    yy, xx = np.mgrid[:size, :size]
    return ((yy - 80)**2 + (xx - 70)**2 <= radius**2).astype(np.uint8)


def _iou(a, b):
    return (a & b).sum() / (a | b).sum()


@pytest.mark.parametrize('source', sorted(SOURCES))
def test_every_source_gives_a_binary_mask_near_the_truth(source):
    gt = _disc()
    coarse = make_coarse(gt * 255, source, np.random.default_rng(0))
    assert coarse.shape == gt.shape and coarse.dtype == np.uint8
    assert set(np.unique(coarse)) <= {0, 1}
    floor = 0.6 if source == 'official' else 0.85
    assert _iou(coarse, gt) > floor


def test_mask_head_loses_detail_only_at_28_px():
    gt = _disc()
    gt[80:83, 20:120] = 1  # a 3 px spike, below the head's resolution
    head = mask_head_roundtrip(gt)
    assert 0.9 < _iou(head, gt) < 1
    box = np.zeros((100, 100), np.uint8)
    box[20:76, 30:86] = 1  # a box is exact at any head size
    assert (mask_head_roundtrip(box) == box).all()


def test_low_res_and_morph_change_the_boundary_only():
    gt = _disc()
    low = low_res_roundtrip(gt)
    assert 0.9 < _iou(low, gt) < 1
    grown = morph_jitter(gt, np.random.default_rng(1))
    assert (grown >= gt).all() or (grown <= gt).all()
    assert not (grown == gt).all()


def test_exact_is_a_copy_and_unknown_names_fail():
    gt = _disc()
    out = make_coarse(gt, 'exact', np.random.default_rng(0))
    assert (out == gt).all() and out is not gt
    with pytest.raises(KeyError, match='mask_head'):
        make_coarse(gt, 'nope', np.random.default_rng(0))


def test_mixed_coarse_mask_draws_every_source_by_weight():
    gt = _disc()
    t = MixedCoarseMask(dict(exact=3.0, mask_head=1.0))
    drawn = [t(dict(gt_mask=gt, seed=s))['coarse_source'] for s in range(200)]
    assert set(drawn) == {'exact', 'mask_head'}
    assert 0.6 < drawn.count('exact') / 200 < 0.9
    again = [t(dict(gt_mask=gt, seed=s))['coarse_source'] for s in range(200)]
    assert drawn == again
    with pytest.raises(KeyError):
        MixedCoarseMask(dict(bogus=1.0))
