"""ResizeTo and SharedRandomFlip: sizes, mask alignment, the shared draw."""
import cv2
import numpy as np

from segrefiner.data.transforms import ResizeTo, SharedRandomFlip


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
