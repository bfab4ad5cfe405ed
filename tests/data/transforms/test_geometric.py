"""ResizeTo and SharedRandomFlip: sizes, mask alignment, the shared draw;
RandomDownscale: the whole sample shrunk alike."""
import cv2
import numpy as np
import pytest

from segrefiner.data.transforms import (RandomDownscale, ResizeTo,
                                        SharedRandomFlip)


def stripes(width, seed):
    """Random vertical stripes, as an image and a mask."""
    cols = np.random.default_rng(seed).random(width) < 0.5
    mask = np.repeat(cols[None].astype(np.uint8), 8, axis=0)
    return np.repeat(mask[..., None] * 255, 3, axis=2), mask


def test_resize_every_view_and_keep_masks_binary():
    results = dict(img=np.zeros((30, 40, 3), np.uint8),
                   gt_mask=np.eye(30, 40, dtype=np.uint8),
                   patch_img=np.zeros((10, 10, 3), np.uint8),
                   patch_coarse_mask=np.ones((10, 10), np.uint8),
                   views=['', 'patch_'])
    out = ResizeTo((16, 24))(results)
    assert out['img'].shape == (16, 24, 3) and out['gt_mask'].shape == (16, 24)
    assert out['patch_img'].shape == (16, 24, 3)
    assert out['patch_coarse_mask'].all()
    assert set(np.unique(out['gt_mask'])) <= {0, 1}


def test_nearest_masks_line_up_with_the_bilinear_image():
    # 1-D stripes: thresholding the bilinear image is centre-aligned nearest
    # sampling, with no ties for widths under 512 resized to 256.
    for width in (100, 300, 397):
        img, mask = stripes(width, width)
        out = ResizeTo(256)(dict(img=img, gt_mask=mask))
        assert np.array_equal(out['img'][..., 0] > 127, out['gt_mask'] == 1)
        shifted = cv2.resize(mask, (256, 256), interpolation=cv2.INTER_NEAREST)
        if width == 300:  # OpenCV's plain nearest is off by half a pixel
            assert not np.array_equal(shifted, out['gt_mask'])


def test_flip_is_one_draw_for_all_views():
    img = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    mask = np.array([[1, 0, 0, 0], [1, 1, 0, 0]], np.uint8)
    flips = []
    for seed in range(20):
        out = SharedRandomFlip()(dict(img=img,
                                      gt_mask=mask,
                                      patch_img=img,
                                      views=['', 'patch_'],
                                      seed=seed))
        expected = img[:, ::-1] if out['flip'] else img
        assert np.array_equal(out['img'], expected)
        assert np.array_equal(out['patch_img'], expected)
        assert np.array_equal(out['gt_mask'],
                              mask[:, ::-1] if out['flip'] else mask)
        flips.append(out['flip'])
    assert 0 < sum(flips) < 20
    assert not SharedRandomFlip(prob=0.0)(dict(img=img))['flip']


def _sample(h=240, w=320):
    img = np.random.default_rng(0).integers(0, 255, (h, w, 3), np.uint8)
    gt = np.zeros((h, w), np.uint8)
    gt[60:180, 100:260] = 1
    return dict(img=img, gt_mask=gt, coarse_mask=gt.copy())


def test_random_downscale_shrinks_image_and_masks_alike():
    out = RandomDownscale(prob=1.0, scale=(0.5, 0.5))(_sample())
    assert out['img'].shape == (120, 160, 3)
    assert out['gt_mask'].shape == out['coarse_mask'].shape == (120, 160)
    assert out['gt_mask'].dtype == np.uint8
    assert int(out['gt_mask'].sum()) == 60 * 80  # area scales with factor^2
    assert (out['gt_mask'] == out['coarse_mask']).all()


def test_random_downscale_respects_prob_min_side_and_min_area():
    never = RandomDownscale(prob=0.0)(_sample())
    assert never['img'].shape == (240, 320, 3)
    floor = RandomDownscale(prob=1.0, scale=(0.1, 0.1), min_side=96)(_sample())
    assert floor['img'].shape[0] == 96  # the factor is raised to the floor
    tiny = _sample()
    tiny['gt_mask'][:] = 0
    tiny['gt_mask'][10:14, 10:14] = 1  # 16 px would become ~4
    kept = RandomDownscale(prob=1.0, scale=(0.5, 0.5), min_area=8)(tiny)
    assert kept['img'].shape == (240, 320, 3)
    drawn = {RandomDownscale(prob=0.5)(dict(_sample(), seed=s))['img'].shape
             for s in range(12)}
    assert (240, 320, 3) in drawn and len(drawn) > 2


@pytest.mark.parametrize('kwargs', [dict(prob=2.0), dict(scale=(0.0, 1.0)),
                                    dict(scale=(0.8, 0.5)),
                                    dict(scale=(0.5, 1.5))])
def test_random_downscale_bad_arguments_say_what_is_wrong(kwargs):
    with pytest.raises(ValueError, match='RandomDownscale'):
        RandomDownscale(**kwargs)
