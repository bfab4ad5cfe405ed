import numpy as np
import torch

from segrefiner.apis import refine, refine_high_res
from segrefiner.protocols.high_res import patch_side
from segrefiner.evaluation.functional import mask_iou


def blob(height, width):
    yy, xx = np.mgrid[:height, :width]
    cy, cx = height / 2, width / 2
    r = min(height, width) / 3
    wobble = 1 + 0.15 * np.sin(8 * np.arctan2(yy - cy, xx - cx))
    return (yy - cy)**2 + (xx - cx)**2 < (r * wobble)**2


def test_identity_refiner_gives_the_global_result(identity_refiner):
    # the local step refines M_g (the upsampled global result), so a refiner
    # that returns its input reproduces the 64x64 nearest round trip exactly
    mask = blob(300, 400)
    image = np.zeros((300, 400, 3), np.uint8)
    out = refine(identity_refiner, image, mask, mode='hr')
    assert out.shape == mask.shape and out.dtype == bool
    global_only = torch.nn.functional.interpolate(
        torch.nn.functional.interpolate(
            torch.from_numpy(mask)[None, None].float(), (64, 64)),
        (300, 400))[0, 0].numpy() >= 0.5
    assert np.array_equal(out, global_only)
    assert mask_iou(out, mask) > 0.9
    calls = identity_refiner.calls
    assert calls[0] == (1, 3, 64, 64)  # the global stage
    assert len(calls) > 1 and all(c[1:] == (3, 64, 64) for c in calls[1:])


def test_small_images_work(identity_refiner):
    assert patch_side(40, 50, 64) == 20 and patch_side(300, 64, 64) == 64
    mask = blob(40, 50)
    out = refine(identity_refiner, np.zeros((40, 50, 3), np.uint8), mask,
                 mode='hr')
    assert out.shape == (40, 50) and mask_iou(out, mask) > 0.8
    # 20 px native patches, resized to model_size for the local step
    assert len(identity_refiner.calls) > 1
    assert all(c[1:] == (3, 64, 64) for c in identity_refiner.calls)


def test_tiny_masks_are_returned_unchanged(identity_refiner):
    mask = np.zeros((300, 400), bool)
    mask[10:20, 10:22] = True  # 120 px <= 128: the official code erases it
    out = refine(identity_refiner, np.zeros((300, 400, 3), np.uint8), mask,
                 mode='hr')
    assert np.array_equal(out, mask)
    assert identity_refiner.calls == []


def test_probabilities_and_seed_with_a_real_model(tiny_refiner):
    tiny_refiner.test_cfg['model_size'] = 64
    mask = blob(200, 260)
    image = np.random.default_rng(0).integers(0, 255, (200, 260, 3),
                                              dtype=np.uint8)
    a = refine(tiny_refiner, image, mask, mode='hr', seed=1,
               return_probs=True)
    b = refine(tiny_refiner, image, mask, mode='hr', seed=1,
               return_probs=True)
    assert a.dtype == np.float32 and np.array_equal(a, b)
    assert 0 <= a.min() and a.max() <= 1
    device = tiny_refiner.device
    direct = refine_high_res(
        tiny_refiner, torch.from_numpy(image).permute(2, 0, 1),
        torch.from_numpy(mask), torch.Generator(device).manual_seed(1))
    assert np.array_equal(direct.numpy(), a >= 0.5)
