"""RefineMetric: pooled IoU, mBA and bIoU of refined and coarse masks."""
import math

import numpy as np
import pytest
import torch
from mmengine.registry import METRICS
from mmengine.structures import BaseDataElement

from segrefiner.evaluation.metrics import RefineMetric


def square(top: int, left: int, side: int, size: int = 100) -> np.ndarray:
    mask = np.zeros((size, size), bool)
    mask[top:top + side, left:left + side] = True
    return mask


def evaluate(samples: list) -> dict:
    metric = RefineMetric()
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def test_registered_in_root_registry():
    assert isinstance(METRICS.build(dict(type='RefineMetric')), RefineMetric)


def test_pooled_iou_differs_from_per_image_mean():
    # Image 1: a perfect 10x10 square (100 / 100). Image 2: two disjoint 2x2
    # squares (0 / 8). Pooled: 100 / 108; the per-image mean would be 50.
    samples = [
        dict(gt_mask=square(10, 10, 10), pred_mask=square(10, 10, 10)),
        dict(gt_mask=square(50, 50, 2), pred_mask=square(60, 60, 2))
    ]
    metrics = evaluate(samples)
    assert metrics['IoU'] == pytest.approx(100 * 100 / 108)
    assert metrics['bIoU'] == pytest.approx(50.0)
    assert metrics['mBA'] < 100
    assert set(metrics) == {'IoU', 'mBA', 'bIoU'}


def test_coarse_and_refined_side_by_side():
    gt = square(40, 40, 20)
    shifted = np.roll(gt, 2, axis=1)
    metrics = evaluate([dict(gt_mask=gt, pred_mask=gt, coarse_mask=shifted)])
    assert metrics == pytest.approx({
        'IoU': 100.0,
        'mBA': 100.0,
        'bIoU': 100.0,
        # Values of the shifted square pinned in test_functional.py.
        'coarse_IoU': 100 * 9 / 11,
        'coarse_mBA': 100 * 114 / 156,
        'coarse_bIoU': 50.0
    })


def test_reads_tensors_data_elements_and_0_255_masks():
    gt = square(40, 40, 20)
    sample = BaseDataElement(
        gt_mask=torch.from_numpy(gt[None]),
        pred_mask=np.roll(gt, 2, axis=1).astype(np.uint8) * 255)
    assert evaluate([sample])['IoU'] == pytest.approx(100 * 9 / 11)


def test_binarize_rule_applies_to_value_128():
    gt = square(40, 40, 20).astype(np.uint8) * 255
    pred = gt // 255 * 128
    pred[0, 0] = 255  # not a 0/1 mask, so the rule decides
    for rule, iou in (('>=128', 400 / 401), ('>128', 0.0)):
        metric = RefineMetric(binarize_rule=rule)
        metric.process({}, [dict(gt_mask=gt, pred_mask=pred)])
        assert metric.compute_metrics(metric.results)['IoU'] == pytest.approx(
            100 * iou)


def test_mba_skips_images_without_gt_contour():
    empty = np.zeros((100, 100), bool)
    gt = square(40, 40, 20)
    metrics = evaluate([
        dict(gt_mask=gt, pred_mask=np.roll(gt, 2, axis=1)),
        dict(gt_mask=empty, pred_mask=empty)
    ])
    assert metrics['mBA'] == pytest.approx(100 * 114 / 156)
    assert math.isnan(evaluate([dict(gt_mask=empty, pred_mask=empty)])['mBA'])


def test_coarse_for_some_samples_only_raises():
    gt = square(40, 40, 20)
    with pytest.raises(ValueError, match='coarse_mask'):
        evaluate([
            dict(gt_mask=gt, pred_mask=gt, coarse_mask=gt),
            dict(gt_mask=gt, pred_mask=gt)
        ])


def test_missing_prediction_and_bad_rule_raise():
    with pytest.raises(KeyError, match='pred_mask'):
        evaluate([dict(gt_mask=square(0, 0, 5))])
    with pytest.raises(ValueError, match='binarize_rule'):
        RefineMetric(binarize_rule='>0')


def test_evaluate_applies_prefix():
    metric = RefineMetric(prefix='big')
    gt = square(40, 40, 20)
    metric.process({}, [dict(gt_mask=gt, pred_mask=gt)])
    assert metric.evaluate(1) == {
        'big/IoU': 100.0,
        'big/mBA': 100.0,
        'big/bIoU': 100.0
    }
