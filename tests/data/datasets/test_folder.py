"""RefineFolderDataset: images, masks and coarse masks paired by stem."""
import pytest
from mmengine.registry import DATASETS

import segrefiner.data  # noqa: F401  (registers the datasets)
from segrefiner.data.datasets import RefineFolderDataset


def test_pairs_files_by_stem_across_suffixes(touch):
    root = touch('images/a.jpg', 'images/b.png', 'masks/a.png', 'masks/b.bmp',
                 'coarse/a.png', 'coarse/b.png', 'notes/readme.png')
    dataset = DATASETS.build(
        dict(type='RefineFolderDataset', data_root=str(root)))
    assert len(dataset) == 2
    info = dataset.get_data_info(1)
    assert info['img_path'] == str(root / 'images' / 'b.png')
    assert info['gt_path'] == str(root / 'masks' / 'b.bmp')
    assert info['coarse_path'] == str(root / 'coarse' / 'b.png')
    assert info['coarse_expand_path'] is None
    assert (info['name'], info['out_name']) == ('b', 'b.png')


def test_custom_folder_names_and_loading_pipeline(touch):
    root = touch('img/a.jpg', 'gt/a.png', 'c/a.png', 'ce/a.png')
    dataset = RefineFolderDataset(
        data_root=str(root),
        data_prefix=dict(img_path='img',
                         gt_path='gt',
                         coarse_path='c',
                         coarse_expand_path='ce'),
        pipeline=[dict(type='LoadRefinerData', expand_prob=1.0)])
    results = dataset[0]
    assert results['coarse_expand_path'] == str(root / 'ce' / 'a.png')
    assert results['img'].shape == (12, 16, 3)
    assert results['gt_mask'].max() == 1
    assert results['coarse_mask'].shape == (12, 16)


def test_image_without_mask_is_listed(touch):
    root = touch('images/a.jpg', 'images/b.jpg', 'images/c.jpg', 'masks/a.png')
    with pytest.raises(ValueError, match=r'2 of 3 .*masks: b\.jpg, c\.jpg'):
        RefineFolderDataset(data_root=str(root))


def test_stray_coarse_mask_is_listed(touch):
    root = touch('images/a.jpg', 'masks/a.png', 'coarse/a.png', 'coarse/z.png')
    with pytest.raises(ValueError,
                       match=r'1 files in .*coarse match no '
                       r'image: z\.png'):
        RefineFolderDataset(data_root=str(root))


def test_two_files_with_one_stem_are_an_error(touch):
    root = touch('images/a.jpg', 'images/a.png', 'masks/a.png')
    with pytest.raises(ValueError, match=r'share a name: a\.jpg ~ a\.png'):
        RefineFolderDataset(data_root=str(root))


def test_empty_or_missing_folders_are_named(touch, tmp_path):
    (tmp_path / 'images').mkdir()
    with pytest.raises(FileNotFoundError, match='images: no '):
        RefineFolderDataset(data_root=str(tmp_path))
    touch('images/a.jpg')
    with pytest.raises(FileNotFoundError, match='masks: no such folder'):
        RefineFolderDataset(data_root=str(tmp_path))
    dataset = RefineFolderDataset(data_root=str(tmp_path), test_mode=True)
    assert dataset.get_data_info(0)['gt_path'] is None
