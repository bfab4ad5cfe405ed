"""PackRefinerInputs layout, and batching it for the data preprocessor."""
import numpy as np
import torch
from mmengine.registry import MODELS

import segrefiner  # noqa: F401  (registers the data preprocessor)
from segrefiner.data import PackRefinerInputs, refiner_collate


def results(h=4, w=5, views=('', )):
    out = dict(views=list(views), img_path='a.jpg', flip=False, seed=3)
    for prefix in views:
        out[prefix + 'img'] = np.full((h, w, 3), (10, 20, 30), np.uint8)
        out[prefix + 'gt_mask'] = np.eye(h, w, dtype=np.uint8)
        out[prefix + 'coarse_mask'] = np.ones((h, w), np.uint8)
        out[prefix + 'crop_box'] = (1, 2, 1 + w, 2 + h)
    return out


def test_pack_one_view():
    packed = PackRefinerInputs()(results())
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.shape == (3, 4, 5) and inputs.dtype == torch.float32
    assert inputs[:, 0, 0].tolist() == [10, 20, 30]  # RGB, 0-255
    assert sample.gt_mask.shape == sample.coarse_mask.shape == (1, 4, 5)
    assert sample.gt_mask.dtype == torch.float32
    assert torch.equal(sample.gt_mask[0], torch.eye(4, 5))
    assert sample.metainfo == dict(img_path='a.jpg',
                                   flip=False,
                                   seed=3,
                                   img_shape=(4, 5),
                                   view='',
                                   crop_box=(1, 2, 6, 6))


def test_pack_views_and_collate_into_the_data_preprocessor():
    two = PackRefinerInputs()(results(views=('', 'patch_')))
    assert len(two['inputs']) == len(two['data_samples']) == 2
    assert [s.view for s in two['data_samples']] == ['', 'patch_']
    one = PackRefinerInputs()(results())
    batch = refiner_collate([two, one])
    assert len(batch['inputs']) == len(batch['data_samples']) == 3
    preprocessor = MODELS.build(dict(type='SegRefinerDataPreprocessor'))
    data = preprocessor(batch, training=True)
    assert data['inputs'].shape == (3, 3, 4, 5)
    mean = torch.tensor([123.675, 116.28, 103.53])
    std = torch.tensor([58.395, 57.12, 57.375])
    assert torch.allclose(data['inputs'][:, :, 0, 0],
                          (torch.tensor([10., 20., 30.]) - mean) / std)
    assert data['data_samples'][2].coarse_mask.shape == (1, 4, 5)
