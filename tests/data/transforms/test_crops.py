"""Object, context and patch crops: box bounds, jitter, small-image rule."""
import numpy as np
import pytest

from segrefiner.data.transforms import (ContextCrop, ObjectCrop, PatchCrop,
                                        mask_bbox)


def sample(h, w, box):
    gt = np.zeros((h, w), np.uint8)
    x1, y1, x2, y2 = box
    gt[y1:y2, x1:x2] = 1
    img = np.zeros((h, w, 3), np.uint8)
    return dict(img=img, gt_mask=gt, coarse_mask=gt.copy())


def contains(outer, inner):
    return (outer[0] <= inner[0] and outer[1] <= inner[1]
            and outer[2] >= inner[2] and outer[3] >= inner[3])


@pytest.mark.parametrize(
    'h, w, box',
    [
        (200, 300, (100, 60, 151, 97)),  # interior, odd sides
        (200, 300, (0, 0, 30, 20)),  # top-left corner
        (200, 300, (250, 150, 300, 200)),  # bottom-right corner
        (120, 90, (10, 5, 80, 110)),  # box + pad larger than the image
    ])
def test_object_crop_pad_and_jitter_bounds(h, w, box):
    offsets = []
    for seed in range(200):
        out = ObjectCrop(pad=40)(dict(sample(h, w, box), seed=seed))
        crop = out['crop_box']
        bw, bh = box[2] - box[0], box[3] - box[1]
        assert (crop[2] - crop[0], crop[3] - crop[1]) == (min(bw + 40, w),
                                                          min(bh + 40, h))
        assert contains((0, 0, w, h), crop) and contains(crop, box)
        assert out['img'].shape[:2] == out['gt_mask'].shape == (
            crop[3] - crop[1], crop[2] - crop[0])
        assert out['gt_mask'].sum() == bw * bh
        # twice the centre offset, per axis not capped by the image: <= 2 * 20
        offsets.append(crop[0] + crop[2] - box[0] - box[2])
        if bh + 40 <= h:
            assert abs(crop[1] + crop[3] - box[1] - box[3]) <= 40
    if bw + 40 <= w:
        assert all(abs(o) <= 40 for o in offsets)
    if box == (100, 60, 151, 97):  # free to move: the whole +-20 px range
        assert min(offsets) == -40 and max(offsets) == 40


def test_context_crop_contains_box_and_keeps_borders():
    for seed in range(100):
        out = ContextCrop()(dict(sample(100, 150, (40, 30, 90, 60)),
                                 seed=seed))
        crop = out['crop_box']
        assert contains(crop, (40, 30, 90, 60))
        assert crop[0] < 40 and crop[1] < 30  # official: U{0..x1-1}
        assert crop[2] < 150 and crop[3] < 100  # and U{x2..W-1}
        out = ContextCrop()(dict(sample(100, 150, (0, 30, 150, 100)),
                                 seed=seed))
        assert out['crop_box'][0] == 0 and out['crop_box'][2:] == (150, 100)


@pytest.mark.parametrize('h, w, side', [(100, 150, 50), (255, 600, 127),
                                        (256, 600, 256), (300, 400, 256)])
def test_patch_crop_small_image_rule(h, w, side):
    for seed in range(20):
        out = PatchCrop()(dict(sample(h, w, (w // 3, h // 3, w // 2, h // 2)),
                               seed=seed))
        x1, y1, x2, y2 = out['patch_crop_box']
        assert (x2 - x1, y2 - y1) == (side, side)
        assert contains((0, 0, w, h), out['patch_crop_box'])
        patch = out['patch_gt_mask']
        assert patch.shape == (side, side) and 0 < patch.mean() < 1
        assert out['views'] == ['', 'patch_'] and out['img'].shape == (h, w, 3)


def test_patch_crop_bounded_retries_and_fallbacks():
    rare = sample(600, 600, (500, 500, 503, 503))
    for seed in range(20):
        patch = PatchCrop(max_tries=1)(dict(rare, seed=seed))['patch_gt_mask']
        assert 0 < patch.mean() < 1  # exact fallback over the mixed windows
    empty = sample(300, 300, (0, 0, 0, 0))
    out = PatchCrop()(empty)
    assert out['patch_gt_mask'].shape == (256, 256)


def test_patch_coarse_offline_or_online():
    base = sample(300, 300, (100, 100, 200, 200))
    base['coarse_mask'] = np.ones((300, 300), np.uint8)  # marks offline crops
    offline = PatchCrop(offline_prob=1.0)(dict(base, seed=0))
    assert offline['patch_coarse_mask'].all()
    online = PatchCrop(offline_prob=0.0)(dict(base, seed=0))
    assert 0 < online['patch_coarse_mask'].mean() < 1
    no_coarse = dict(base, seed=0)
    del no_coarse['coarse_mask']
    out = PatchCrop(offline_prob=1.0)(no_coarse)
    assert 0 < out['patch_coarse_mask'].mean() < 1


def test_empty_gt_keeps_whole_image_and_bbox():
    gt = np.zeros((5, 6), np.uint8)
    assert mask_bbox(gt) is None
    for crop in (ObjectCrop(seed=0), ContextCrop(seed=0)):
        assert crop(dict(gt_mask=gt))['crop_box'] == (0, 0, 6, 5)
