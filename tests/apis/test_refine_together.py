"""Several images' object crops in shared UNet batches (predictor.*_together,
protocols.refine_crops_of_images): one image is exactly the one-image call,
several fill the batches, each result goes back to its own image."""
import numpy as np
import torch

from segrefiner.apis import SegRefinerPredictor
from segrefiner.utils import synthetic_scene


def scenes(count, masks=1):
    """``count`` images, each with ``masks`` blobs of at least 900 px."""
    out = []
    for i in range(count):
        image, _ = synthetic_scene(72 + 8 * i, 96, 1, seed=i)
        yy, xx = np.mgrid[:72 + 8 * i, :96]
        blobs = np.stack([(yy - 30 - 3 * k)**2 + (xx - 30 - 20 * k)**2 <
                          (18 + i)**2 for k in range(masks)])
        out.append((image, blobs))
    return out


def test_one_image_is_exactly_the_one_image_call(tiny_refiner):
    tiny_refiner.test_cfg['model_size'] = 64
    predictor = SegRefinerPredictor(tiny_refiner)
    (image, masks), = scenes(1, masks=2)
    assert np.array_equal(
        predictor.refine_together([image], [masks[0]], 'lr', seed=3)[0],
        predictor.refine(image, masks[0], 'lr', seed=3))
    assert np.array_equal(
        predictor.refine_instances_together([image], [masks], seed=3)[0],
        predictor.refine_instances(image, masks, seed=3))


def test_crops_of_several_images_share_batches(identity_refiner):
    identity_refiner.test_cfg['batch_max'] = 4
    predictor = SegRefinerPredictor(identity_refiner)
    data = scenes(3, masks=2)
    empty = np.zeros((2, 80, 96), bool)  # nothing to refine: passes through
    images = [d[0] for d in data] + [np.zeros((80, 96, 3), np.uint8)]
    masks = [d[1] for d in data] + [empty]
    outs = predictor.refine_instances_together(images, masks, seed=0)
    # 6 crops in batches of 4 (one crop of each step: identity, 1 call)
    assert [call[0] for call in identity_refiner.calls] == [4, 2]
    assert [out.shape for out in outs] == [m.shape for m in masks]
    for out, mask in zip(outs, masks):
        inter = (out & mask).sum((1, 2))
        union = (out | mask).sum((1, 2))
        assert np.all(inter >= 0.97 * union)


def test_binary_masks_of_several_images_in_one_forward(tiny_refiner):
    tiny_refiner.test_cfg['model_size'] = 64
    predictor = SegRefinerPredictor(tiny_refiner)
    data = scenes(3)
    forwards = []
    handle = tiny_refiner.denoise_model.register_forward_hook(
        lambda module, args, out: forwards.append(len(args[0])))
    try:
        outs = predictor.refine_together([d[0] for d in data],
                                         [d[1][0] for d in data], 'lr',
                                         seed=0)
    finally:
        handle.remove()
    steps = len(tiny_refiner.timesteps())
    assert sum(forwards) == 3 * steps and len(forwards) <= steps * 3 // 2
    assert [o.shape for o in outs] == [d[1][0].shape for d in data]
    assert all(o.dtype == bool and o.any() for o in outs)
    # the same call again: the same results (one seeded stream)
    again = predictor.refine_together([d[0] for d in data],
                                      [d[1][0] for d in data], 'lr', seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(outs, again))
    assert torch.is_grad_enabled()
