"""PolygonTruth: the truth redrawn as polygons before the coarse mask."""
import cv2
import numpy as np
import pytest

from segrefiner.data.annotation_style import polygon_annotation
from segrefiner.data.transforms import MixedCoarseMask, PolygonTruth


def _disc():
    gt = np.zeros((96, 96), np.uint8)
    cv2.circle(gt, (48, 48), 30, 1, -1)
    return gt


def test_redraws_with_probability_and_is_seeded():
    t = PolygonTruth(prob=0.5, tolerance=(1.0, 2.0))
    redrawn = [bool((t(dict(gt_mask=_disc(), seed=s))['gt_mask'] != _disc())
                    .any()) for s in range(40)]
    assert 10 < sum(redrawn) < 30
    a = t(dict(gt_mask=_disc(), seed=3))['gt_mask']
    b = t(dict(gt_mask=_disc(), seed=3))['gt_mask']
    assert (a == b).all()
    never = PolygonTruth(prob=0.0)(dict(gt_mask=_disc(), seed=0))['gt_mask']
    assert (never == _disc()).all()


def test_tolerance_is_drawn_in_its_range():
    out = PolygonTruth(prob=1.0, tolerance=(2.0, 2.0))(
        dict(gt_mask=_disc(), seed=0))['gt_mask']
    assert (out == polygon_annotation(_disc(), 2.0)).all()


def test_exact_coarse_mask_is_the_polygon_when_it_comes_first():
    results = PolygonTruth(prob=1.0)(dict(gt_mask=_disc(), seed=1))
    results = MixedCoarseMask(dict(exact=1.0))(results)
    assert (results['coarse_mask'] == results['gt_mask']).all()


@pytest.mark.parametrize('kwargs', [dict(prob=1.5),
                                    dict(tolerance=(2.0, 1.0)),
                                    dict(tolerance=(-1.0, 1.0))])
def test_bad_arguments_say_what_is_wrong(kwargs):
    with pytest.raises(ValueError, match='PolygonTruth'):
        PolygonTruth(**kwargs)
