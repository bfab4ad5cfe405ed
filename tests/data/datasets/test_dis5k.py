"""DIS5KDataset: per-subset im/gt folders and per-subset coarse folders."""
import pytest

from segrefiner.data.datasets import DIS5KDataset


def test_subsets_with_a_coarse_root(touch):
    root = touch('DIS-VD/im/a.jpg', 'DIS-VD/gt/a.png', 'DIS-TE1/im/b.jpg',
                 'DIS-TE1/gt/b.png', 'coarse/isnet/DIS-VD/a.png',
                 'coarse/isnet/DIS-TE1/b.png')
    dataset = DIS5KDataset(data_root=str(root),
                           subsets=['DIS-VD', 'DIS-TE1'],
                           coarse_root='coarse/isnet',
                           test_mode=True)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [(i['subset'], i['name']) for i in infos] == [('DIS-VD', 'a'),
                                                         ('DIS-TE1', 'b')]
    assert infos[1]['coarse_path'] == str(root / 'coarse' / 'isnet' /
                                          'DIS-TE1' / 'b.png')
    assert infos[1]['gt_path'] == str(root / 'DIS-TE1' / 'gt' / 'b.png')
    assert infos[1]['out_name'] == 'DIS-TE1/b.png'


def test_training_subset_with_offline_coarse_masks(touch):
    root = touch('DIS-TR/im/a.jpg', 'DIS-TR/gt/a.png', 'DIS-TR/coarse/a.png',
                 'DIS-TR/coarse_expand/a.png')
    info = DIS5KDataset(data_root=str(root), subsets='DIS-TR').get_data_info(0)
    assert info['coarse_expand_path'] == str(root / 'DIS-TR' /
                                             'coarse_expand' / 'a.png')


def test_missing_coarse_subset_is_named(touch):
    root = touch('DIS-VD/im/a.jpg', 'DIS-VD/gt/a.png')
    with pytest.raises(FileNotFoundError, match=r'isnet/DIS-VD: no such'):
        DIS5KDataset(data_root=str(root),
                     subsets=['DIS-VD'],
                     coarse_root='coarse/isnet')
