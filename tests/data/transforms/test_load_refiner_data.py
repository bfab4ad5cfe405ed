"""LoadRefinerData: files to RGB image and 0/1 masks, offline coarse choice."""
import numpy as np
import pytest

from segrefiner.data import LoadRefinerData
from segrefiner.io import write_image


@pytest.fixture
def files(tmp_path):
    img = np.zeros((6, 8, 3), np.uint8)
    img[..., 0] = 200  # red
    gt = np.zeros((6, 8), np.uint8)
    gt[2:4, 2:6] = 1
    write_image(tmp_path / 'img.png', img)
    write_image(tmp_path / 'gt.png', gt)  # a 0/1 PNG
    write_image(tmp_path / 'coarse.png', gt * 255)
    write_image(tmp_path / 'expand.png', np.full((6, 8), 255, np.uint8))
    return dict(img_path=str(tmp_path / 'img.png'),
                gt_path=str(tmp_path / 'gt.png'),
                coarse_path=str(tmp_path / 'coarse.png'),
                coarse_expand_path=str(tmp_path / 'expand.png'))


def test_loads_rgb_and_binary_masks(files):
    out = LoadRefinerData(expand_prob=0.0)(dict(files))
    assert out['img'].shape == (6, 8, 3) and (out['img'][..., 0] == 200).all()
    assert out['ori_shape'] == (6, 8)
    assert out['gt_mask'].sum() == 8 and out['gt_mask'].dtype == np.uint8
    assert np.array_equal(out['coarse_mask'], out['gt_mask'])


def test_expand_prob_picks_the_expanded_coarse_mask(files):
    assert LoadRefinerData(expand_prob=1.0)(dict(files))['coarse_mask'].all()
    no_expand = dict(files, coarse_expand_path=None)
    out = LoadRefinerData(expand_prob=1.0)(no_expand)
    assert out['coarse_mask'].sum() == 8
    bare = dict(img_path=files['img_path'], gt_path=files['gt_path'])
    assert 'coarse_mask' not in LoadRefinerData()(bare)


def test_reports_bad_files_by_name(files, tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.png'):
        LoadRefinerData()(dict(files, img_path=str(tmp_path / 'missing.png')))
    with pytest.raises(ValueError, match='img.png'):
        LoadRefinerData()(dict(files, gt_mask=np.zeros((3, 3), np.uint8)))
