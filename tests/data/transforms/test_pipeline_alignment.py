"""Whole LR and HR pipelines keep image and masks aligned through every step.

The image encodes the masks (red = GT, green = coarse, blue = noise), so after
crops, resize and flip a mask recomputed from the transformed image must equal
the transformed mask.
"""
import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import Compose

import segrefiner.data  # noqa: F401  (registers the transforms)


def encoded_sample(seed):
    rng = np.random.default_rng(seed)
    h, w = rng.integers(180, 400, 2)
    gt = np.zeros((h, w), np.uint8)
    cv2.ellipse(gt, (int(w // 2), int(h // 2)), (int(w // 4), int(h // 5)),
                float(rng.uniform(0, 180)), 0, 360, 1, -1)
    gt[h // 3:h // 3 + 3, 5:w - 5] = 1  # a thin bar
    coarse = cv2.dilate(gt, np.ones((9, 9), np.uint8))
    noise = rng.integers(0, 256, (h, w), dtype=np.uint8)
    img = np.stack([gt * 255, coarse * 255, noise], axis=2)
    return dict(img=img, gt_mask=gt, coarse_mask=coarse, seed=seed)


LR = [
    dict(type='ObjectCrop'),
    dict(type='ResizeTo', size=(64, 80)),
    dict(type='SharedRandomFlip'),
    dict(type='PackRefinerInputs')
]
HR = [
    dict(type='PatchCrop', size=128, offline_prob=1.0),
    dict(type='ContextCrop'),
    dict(type='ResizeTo', size=64),
    dict(type='SharedRandomFlip'),
    dict(type='PackRefinerInputs')
]


def views(packed):
    inputs, samples = packed['inputs'], packed['data_samples']
    return zip(*(([inputs],
                  [samples]) if not isinstance(inputs, list) else (inputs,
                                                                   samples)))


@pytest.mark.parametrize('steps, num_views', [(LR, 1), (HR, 2)])
def test_masks_recomputed_from_image_match(steps, num_views):
    # nearest image sampling makes the check exact at every pixel
    exact = Compose([
        dict(s, interpolation='nearest') if s['type'] == 'ResizeTo' else s
        for s in steps
    ])
    flipped = set()
    for seed in range(8):
        packed = list(views(exact(encoded_sample(seed))))
        assert len(packed) == num_views
        for inputs, sample in packed:
            assert inputs.shape[0] == 3 and inputs.dtype == torch.float32
            assert inputs.shape[1:] == sample.gt_mask.shape[1:]
            assert ((inputs[0] > 127) == (sample.gt_mask[0] == 1)).all()
            assert ((inputs[1] > 127) == (sample.coarse_mask[0] == 1)).all()
            flipped.add(sample.flip)
    assert flipped == {True, False}


@pytest.mark.parametrize('steps', [LR, HR])
def test_default_bilinear_differs_only_at_boundaries(steps):
    for seed in range(4):
        for inputs, sample in views(Compose(steps)(encoded_sample(seed))):
            gt = sample.gt_mask[0].numpy().astype(np.uint8)
            edge = cv2.dilate(gt, np.ones(
                (3, 3))) != cv2.erode(gt, np.ones((3, 3)))
            wrong = (inputs[0].numpy() > 127) != (gt == 1)
            assert not (wrong & ~edge).any()
