"""ThinObjectDataset: the samples of a ThinObject-5K split list."""
import pytest

from segrefiner.data.datasets import ThinObjectDataset


def test_reads_the_split_list(touch):
    root = touch('images/a.jpg', 'images/b.jpg', 'images/c.jpg', 'masks/a.png',
                 'masks/b.png', 'masks/c.png', 'coarse/a.png', 'coarse/c.png')
    (root / 'list').mkdir()
    (root / 'list' / 'train.txt').write_text('c.png\na.png\n\n')
    dataset = ThinObjectDataset(data_root=str(root))
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [i['name'] for i in infos] == ['c', 'a']
    assert infos[0]['img_path'] == str(root / 'images' / 'c.jpg')
    assert infos[0]['gt_path'] == str(root / 'masks' / 'c.png')
    assert infos[1]['coarse_path'] == str(root / 'coarse' / 'a.png')


def test_listed_sample_without_files_is_named(touch):
    root = touch('images/a.jpg', 'masks/a.png')
    (root / 'list').mkdir()
    (root / 'list' / 'test.txt').write_text('a.png\nmissing.png\n')
    with pytest.raises(ValueError, match=r'1 of 2 samples .*: missing'):
        ThinObjectDataset(data_root=str(root), ann_file='list/test.txt')
    with pytest.raises(FileNotFoundError, match='train.txt: no such'):
        ThinObjectDataset(data_root=str(root))
