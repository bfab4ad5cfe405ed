import numpy as np
import pytest

from segrefiner.apis import refine_instances
from segrefiner.evaluation.functional import mask_iou


def shapes(height=120, width=160):
    yy, xx = np.mgrid[:height, :width]
    disk = (yy - 60)**2 + (xx - 80)**2 < 30**2
    corner = (yy < 40) & (xx < 50)  # touches the top-left border
    right = (xx > 130) & (yy > 20) & (yy < 110)  # touches the right border
    bottom = (yy > 100) & (np.abs(xx - 40) < 25)  # touches the bottom
    ring = ((yy - 50)**2 + (xx - 100)**2 < 35**2) & (
        (yy - 50)**2 + (xx - 100)**2 > 15**2)
    thin = (np.abs(yy - xx) < 4) & (yy > 10) & (yy < 110)
    whole = np.ones((height, width), bool)
    return np.stack([disk, corner, right, bottom, ring, thin, whole])


def test_identity_refiner_reproduces_the_masks(identity_refiner):
    identity_refiner.test_cfg['model_size'] = 256  # the official crop size
    masks = shapes()
    image = np.random.default_rng(0).integers(0, 255, (120, 160, 3),
                                              dtype=np.uint8)
    out = refine_instances(identity_refiner, image, masks)
    assert out.shape == masks.shape and out.dtype == bool
    for coarse, refined in zip(masks, out):
        assert mask_iou(coarse, refined) >= 0.99


def test_small_instances_pass_through_and_batches_are_bounded(
        identity_refiner):
    identity_refiner.test_cfg['batch_max'] = 3
    masks = shapes()
    tiny = np.zeros_like(masks[0])
    tiny[5:20, 5:20] = True  # 225 px < area_thr = 512
    masks = np.concatenate([masks, tiny[None], np.zeros_like(tiny)[None]])
    image = np.zeros((120, 160, 3), np.uint8)
    out = refine_instances(identity_refiner, image, masks.astype(np.uint8))
    assert np.array_equal(out[-2], tiny) and not out[-1].any()
    assert [c[0] for c in identity_refiner.calls] == [3, 3, 1]
    assert all(c[1:] == (3, 64, 64) for c in identity_refiner.calls)


def test_bad_inputs(identity_refiner):
    image = np.zeros((20, 30, 3), np.uint8)
    with pytest.raises(ValueError, match='differs from the image'):
        refine_instances(identity_refiner, image, np.zeros((1, 20, 31)))
    with pytest.raises(ValueError, match=r'\(N, H, W\)'):
        refine_instances(identity_refiner, image, np.zeros((20, 30)))


def test_seed_makes_real_refinement_reproducible(tiny_refiner):
    tiny_refiner.test_cfg['model_size'] = 64
    masks = shapes()[:3]
    image = np.random.default_rng(1).integers(0, 255, (120, 160, 3),
                                              dtype=np.uint8)
    a = refine_instances(tiny_refiner, image, masks, seed=3)
    b = refine_instances(tiny_refiner, image, masks, seed=3)
    assert np.array_equal(a, b)
    c = refine_instances(tiny_refiner, image, masks, seed=4)
    assert not np.array_equal(a, c)
