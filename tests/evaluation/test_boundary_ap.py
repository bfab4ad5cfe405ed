"""Mask AP and Boundary AP on a tiny synthetic COCO dataset.

Two 200x200 images (Boundary IoU width d = round(0.02 * 282.8) = 6 px), each
with one 60x60 square of its own category. A detection eroded by 1 px has
mask IoU 58²/60² = 0.934 (matched at thresholds 0.50..0.90: AP 90) and
Boundary IoU 1060/1484 = 0.714 (rings of width 6; matched at 0.50..0.70:
AP 50).
"""
import json

import numpy as np
import pytest
import torch
from mmengine.registry import METRICS

from segrefiner.evaluation.boundary_ap import (CocoBoundaryMetric, encode_mask,
                                               evaluate_boundary_ap)

SIZE = 200
#: image id -> (category id, top, left) of its 60x60 GT square.
OBJECTS = {1: (3, 70, 70), 2: (7, 50, 60)}
CATEGORIES = [dict(id=3, name='cat'), dict(id=7, name='dog')]


def square_mask(top: int, left: int, side: int) -> np.ndarray:
    mask = np.zeros((SIZE, SIZE), bool)
    mask[top:top + side, left:left + side] = True
    return mask


def object_masks(erosion: int) -> dict[int, np.ndarray]:
    """Each image's GT square, shrunk by ``erosion`` px on every side."""
    return {
        img_id: square_mask(top + erosion, left + erosion, 60 - 2 * erosion)
        for img_id, (_, top, left) in OBJECTS.items()
    }


@pytest.fixture
def ann_file(tmp_path):
    annotations = [
        dict(id=img_id,
             image_id=img_id,
             category_id=OBJECTS[img_id][0],
             iscrowd=0,
             area=3600,
             bbox=[OBJECTS[img_id][2], OBJECTS[img_id][1], 60, 60],
             segmentation=encode_mask(mask))
        for img_id, mask in object_masks(0).items()
    ]
    dataset = dict(images=[
        dict(id=i, width=SIZE, height=SIZE, file_name=f'{i}.png')
        for i in OBJECTS
    ],
                   categories=CATEGORIES,
                   annotations=annotations)
    path = tmp_path / 'instances.json'
    path.write_text(json.dumps(dataset))
    return path


def detections(erosion: int) -> list[dict]:
    return [
        dict(image_id=img_id,
             category_id=OBJECTS[img_id][0],
             score=0.9,
             segmentation=encode_mask(mask))
        for img_id, mask in object_masks(erosion).items()
    ]


def test_exact_detections_score_100(ann_file):
    metrics = evaluate_boundary_ap(ann_file, detections(0))
    assert metrics['segm_mAP'] == pytest.approx(100.0)
    assert metrics['boundary_mAP'] == pytest.approx(100.0)


def test_eroded_detections_lose_more_boundary_ap(ann_file):
    metrics = evaluate_boundary_ap(str(ann_file), detections(1))
    assert metrics == pytest.approx({
        'segm_mAP': 90.0,
        'segm_mAP_50': 100.0,
        'segm_mAP_75': 100.0,
        'segm_mAP_s': -1.0,
        'segm_mAP_m': 90.0,
        'segm_mAP_l': -1.0,
        'boundary_mAP': 50.0,
        'boundary_mAP_50': 100.0,
        'boundary_mAP_75': 0.0,
        'boundary_mAP_s': -1.0,
        'boundary_mAP_m': 50.0,
        'boundary_mAP_l': -1.0
    })


def test_accepts_dict_gt_json_results_and_processes(ann_file, tmp_path):
    results = tmp_path / 'results.json'
    results.write_text(json.dumps(detections(1)))
    gt = json.loads(ann_file.read_text())
    metrics = evaluate_boundary_ap(gt,
                                   results,
                                   iou_types=['boundary'],
                                   nproc=2)
    assert metrics['boundary_mAP'] == pytest.approx(50.0)
    assert 'segm_mAP' not in metrics
    assert isinstance(gt['annotations'][0]['segmentation']['counts'],
                      str)  # input untouched


def test_no_or_foreign_detections_score_zero(ann_file):
    foreign = [dict(det, image_id=99) for det in detections(0)]
    for dets in ([], foreign):
        metrics = evaluate_boundary_ap(ann_file, dets)
        assert metrics['segm_mAP'] == 0.0 and metrics['boundary_mAP'] == 0.0


def test_mmengine_metric_maps_labels_through_class_names(ann_file):
    metric = METRICS.build(
        dict(type='CocoBoundaryMetric', ann_file=str(ann_file)))
    assert isinstance(metric, CocoBoundaryMetric)
    metric.dataset_meta = dict(classes=('dog',
                                        'cat'))  # label 0 -> id 7, 1 -> id 3
    label_of_image = {1: 1, 2: 0}
    for img_id, mask in object_masks(1).items():
        pred = dict(masks=torch.from_numpy(mask[None]),
                    scores=torch.tensor([0.9]),
                    labels=torch.tensor([label_of_image[img_id]]))
        metric.process({}, [dict(img_id=img_id, pred_instances=pred)])
    metrics = metric.evaluate(2)
    assert metrics['coco/segm_mAP'] == pytest.approx(90.0)
    assert metrics['coco/boundary_mAP'] == pytest.approx(50.0)


def test_mmengine_metric_takes_rle_masks_and_evaluates_processed_images_only(
        ann_file):
    metric = CocoBoundaryMetric(str(ann_file), metric='boundary')
    rle = detections(0)[0]['segmentation']
    metric.process({}, [
        dict(img_id=1,
             pred_instances=dict(
                 masks=[rle], scores=np.array([0.5]), labels=np.array([0])))
    ])
    # Without dataset_meta, label 0 is the smallest category id (3); image 2,
    # never processed, does not count as missed.
    assert metric.evaluate(1) == pytest.approx({
        'coco/boundary_mAP': 100.0,
        'coco/boundary_mAP_50': 100.0,
        'coco/boundary_mAP_75': 100.0,
        'coco/boundary_mAP_s': -1.0,
        'coco/boundary_mAP_m': 100.0,
        'coco/boundary_mAP_l': -1.0
    })


def test_unknown_metric_raises(ann_file):
    with pytest.raises(KeyError, match='bbox'):
        CocoBoundaryMetric(str(ann_file), metric=['segm', 'bbox'])
