"""``refine_sam``: SAM's ``generate()`` records in, the same records out,
each mask refined as ``refine_instances`` refines it."""
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from sam_layouts import sam_box, sam_records
from segrefiner.apis import SegRefinerPredictor, refine_instances, refine_sam
from segrefiner.io import decode_segmentation, encode_uncompressed_rle


def scene(height=64, width=96):
    """A person, a shirt nested in it, a crowd overlapping it, a speck."""
    yy, xx = np.mgrid[:height, :width]
    person = (yy - 32)**2 / 26**2 + (xx - 40)**2 / 18**2 < 1
    shirt = (np.abs(yy - 34) < 12) & (np.abs(xx - 40) < 14)
    crowd = (yy > 20) & (xx > 30)
    speck = (np.abs(yy - 5) < 5) & (np.abs(xx - 90) < 4)  # 72 px < 512
    masks = np.stack([person, shirt, crowd, speck])
    image = np.where(person[..., None], 190, 50).astype(np.uint8)
    image = image + np.random.default_rng(0).integers(
        0, 40, image.shape, dtype=np.uint8)
    return image, masks


def decode(segmentation, shape):
    if isinstance(segmentation, np.ndarray):
        return segmentation
    return decode_segmentation(segmentation, *shape).astype(bool)


@pytest.mark.parametrize('mode', ['binary_mask', 'coco_rle',
                                  'uncompressed_rle'])
def test_equals_refine_instances_record_for_record(tiny_refiner, mode):
    tiny_refiner.test_cfg['model_size'] = 64
    image, masks = scene()
    records = sam_records(masks, 'binary_mask' if mode != 'coco_rle' else
                          'coco_rle')
    if mode == 'uncompressed_rle':  # SAM 2's output_mode
        for record in records:
            record['segmentation'] = encode_uncompressed_rle(
                record['segmentation'])
    before = [dict(record) for record in records]
    expected = refine_instances(tiny_refiner, image, masks, seed=5)
    out = refine_sam(tiny_refiner, image, records, seed=5)
    assert all(a.keys() == b.keys() and all(a[k] is b[k] for k in a)
               for a, b in zip(records, before))  # the inputs untouched
    assert len(out) == len(records)
    for record, new, mask, coarse in zip(records, out, expected, masks):
        assert new is not record
        assert type(new['segmentation']) is type(record['segmentation'])
        refined = decode(new['segmentation'], masks.shape[1:])
        assert np.array_equal(refined, mask)
        assert new['area'] == int(mask.sum())
        assert new['bbox'] == sam_box(mask)
        rest = {k for k in record if k not in ('segmentation', 'area',
                                              'bbox')}
        assert all(new[k] == record[k] for k in rest)
    assert out[3] is not records[3] and out[3]['area'] == records[3]['area']
    assert not all(np.array_equal(a, b) for a, b in zip(expected, masks))
    if mode == 'coco_rle':
        assert isinstance(out[0]['segmentation']['counts'], str)
        assert mask_utils.area(out[0]['segmentation']) == out[0]['area']
    predictor = SegRefinerPredictor(tiny_refiner)
    again = predictor.refine_sam(image, records, seed=5)
    assert all(np.array_equal(decode(a['segmentation'], masks.shape[1:]),
                              decode(b['segmentation'], masks.shape[1:]))
               for a, b in zip(again, out))


def test_no_masks_and_bad_records(identity_refiner):
    image = np.zeros((20, 30, 3), np.uint8)
    assert refine_sam(identity_refiner, image, []) == []
    with pytest.raises(ValueError, match='sam_masks: mask 1: not a dict'):
        refine_sam(identity_refiner, image,
                   [dict(segmentation=np.zeros((20, 30), bool)), {}])
    with pytest.raises(ValueError, match='differs from the image'):
        refine_sam(identity_refiner, image,
                   [dict(segmentation=np.zeros((20, 31), bool))])
