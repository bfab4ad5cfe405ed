"""CocoRefineDataset, LVISRefineDataset: one random object per fetch."""
import json

import cv2
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from segrefiner.data.datasets import CocoRefineDataset, LVISRefineDataset
from segrefiner.io import decode_segmentation

H, W = 40, 60
RLE_MASK = np.pad(np.ones((25, 30), np.uint8), ((10, 5), (20, 10)))


def square(x, y, side):
    return [[x, y, x + side, y, x + side, y + side, x, y + side]]


def annotation(ann_id, image_id, segmentation, area, bbox, **extra):
    return dict(id=ann_id,
                image_id=image_id,
                category_id=1,
                segmentation=segmentation,
                area=area,
                bbox=bbox,
                **extra)


def write_json(tmp_path, images, annotations):
    path = tmp_path / 'ann.json'
    path.write_text(
        json.dumps(
            dict(images=images,
                 annotations=annotations,
                 categories=[dict(id=1, name='thing')])))
    return path


@pytest.fixture
def coco_file(tmp_path):
    rle = mask_utils.encode(np.asfortranarray(RLE_MASK))
    rle['counts'] = rle['counts'].decode()
    anns = [
        annotation(1, 1, square(2, 2, 24), 576, [2, 2, 24, 24]),
        annotation(2, 1, rle, 750, [20, 10, 30, 25]),
        annotation(3, 1, square(0, 0, 30), 900, [0, 0, 30, 30], iscrowd=1),
        annotation(4, 1, square(0, 0, 20), 400, [0, 0, 20, 20]),  # small
        annotation(5, 2, square(0, 0, 30), 900, [0, 0, 30, 30]),
    ]
    images = [
        dict(id=1, file_name='one.jpg', height=H, width=W),
        dict(id=2, file_name='two.jpg', height=H, width=W)
    ]
    anns[4]['ignore'] = True  # image 2 has no usable object
    return write_json(tmp_path, images, anns)


def test_keeps_images_with_a_usable_instance(coco_file, tmp_path):
    dataset = CocoRefineDataset(ann_file=str(coco_file),
                                data_root='',
                                data_prefix=dict(img_path=str(tmp_path)))
    assert len(dataset) == 1
    info = dataset.get_data_info(0)
    assert info['img_path'] == str(tmp_path / 'one.jpg')
    assert info['ann_id'] in (1, 2) and 'instances' not in info
    assert info['gt_mask'].shape == (H,
                                     W) and info['gt_mask'].dtype == np.uint8


def test_seeded_pick_is_fixed_per_epoch_and_varies_across_epochs(coco_file):
    dataset = CocoRefineDataset(ann_file=str(coco_file), seed=3)
    picks = []
    for epoch in range(12):
        dataset.set_epoch(epoch)
        first = dataset.get_data_info(0)
        assert dataset.get_data_info(0)['ann_id'] == first['ann_id']
        picks.append(first['ann_id'])
        if first['ann_id'] == 2:
            assert np.array_equal(first['gt_mask'], RLE_MASK)
        else:
            assert first['gt_mask'][2:26, 2:26].all()
    assert set(picks) == {1, 2}


def test_decodes_polygons_and_rle():
    polygon = decode_segmentation(square(2, 2, 24), H, W)
    assert polygon[2:26, 2:26].all() and polygon.sum() < 26 * 26
    mask = np.zeros((H, W), np.uint8)
    mask[5:9, 7:30] = 1
    rle = mask_utils.encode(np.asfortranarray(mask))
    assert np.array_equal(decode_segmentation(rle, H, W), mask)
    flat = mask.flatten(order='F')  # column-major runs, zeros first
    bounds = [0, *(np.flatnonzero(np.diff(flat)) + 1), flat.size]
    uncompressed = dict(size=[H, W], counts=np.diff(bounds).tolist())
    assert np.array_equal(decode_segmentation(uncompressed, H, W), mask)


def test_lvis_json_loads_with_image_paths_from_coco_url(tmp_path):
    images = [
        dict(id=9,
             height=H,
             width=W,
             neg_category_ids=[],
             not_exhaustive_category_ids=[],
             coco_url='http://images.cocodataset.org/train2017/'
             '000000000009.jpg')
    ]
    ann_file = write_json(
        tmp_path, images,
        [annotation(1, 9, square(5, 5, 30), 900, [5, 5, 30, 30])])
    (tmp_path / 'train2017').mkdir()
    image = np.zeros((H, W, 3), np.uint8)
    cv2.imwrite(str(tmp_path / 'train2017' / '000000000009.jpg'), image)
    dataset = LVISRefineDataset(ann_file='ann.json',
                                data_root=str(tmp_path),
                                pipeline=[dict(type='LoadRefinerData')])
    assert ann_file.exists() and len(dataset) == 1
    results = dataset[0]
    assert results['img_path'] == str(tmp_path / 'train2017' /
                                      '000000000009.jpg')
    assert results['name'] == '000000000009'
    assert results['img'].shape == (H, W, 3)
    assert results['gt_mask'][5:35, 5:35].all()
