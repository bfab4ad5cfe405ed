"""Discovery of bundled photos and the fixed train/val split."""
import numpy as np
import pytest

from segrefiner.datagen.photos import (Photo, find_photos, load_photo_file,
                                    photo_split)
from segrefiner.io import write_image


def _photo(path, h=300, w=400, value=90):
    write_image(path, np.full((h, w, 3), value, np.uint8))


def test_split_is_a_function_of_the_name_and_keeps_skimage_in_train():
    names = [f'wallpapers/p{i}' for i in range(400)]
    splits = [photo_split(n) for n in names]
    assert splits == [photo_split(n) for n in names]
    assert 0.15 < splits.count('val') / 400 < 0.35
    assert all(photo_split(f'skimage/{n}') == 'train' for n in 'abcdef')


def test_kde_wallpapers_count_once_at_their_largest_size(tmp_path):
    images = tmp_path / 'wallpapers' / 'Sky' / 'contents' / 'images'
    _photo(images / '640x480.jpg', 480, 640)
    _photo(images / '1920x1080.png', 1080, 1920)
    _photo(tmp_path / 'wallpapers' / 'Sky' / 'contents' / 'screenshot.png')
    _photo(tmp_path / 'nature' / 'Leaf.jpg')
    photos = [p for p in find_photos([str(tmp_path / 'wallpapers'),
                                      str(tmp_path / 'nature')])
              if not p.name.startswith(('skimage/', 'sklearn/',
                                        'matplotlib/', 'backgrounds/'))]
    assert [p.name for p in photos] == ['nature/Leaf', 'wallpapers/Sky']
    assert photos[1].path.endswith('1920x1080.png')
    both = find_photos([str(tmp_path / 'wallpapers')], split='val') + \
        find_photos([str(tmp_path / 'wallpapers')], split='train')
    assert Photo('wallpapers/Sky', photos[1].path) in both


def test_load_resizes_caches_and_refuses_tiny_photos(tmp_path):
    _photo(tmp_path / 'big.png', 600, 1200)
    photo = Photo('x/big', str(tmp_path / 'big.png'))
    image = load_photo_file(photo, 300)
    assert image.shape == (150, 300, 3) and image.dtype == np.uint8
    assert load_photo_file(photo, 300) is image and not image.flags.writeable
    _photo(tmp_path / 'tiny.png', 100, 120)
    with pytest.raises(ValueError, match='tiny.png'):
        load_photo_file(Photo('x/tiny', str(tmp_path / 'tiny.png')))
