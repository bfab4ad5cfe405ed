"""Image and mask reading, atomic writing."""
import os

import numpy as np
import pytest

from segrefiner.io import load_image, load_mask, write_image


def test_round_trip_rgb_and_masks(tmp_path):
    img = np.zeros((3, 4, 3), np.uint8)
    img[..., 0] = 255
    write_image(tmp_path / 'sub' / 'img.png', img)
    assert np.array_equal(load_image(tmp_path / 'sub' / 'img.png'), img)
    mask = np.array([[0, 1], [1, 0]], np.uint8)
    write_image(tmp_path / 'a.png', mask * 255)
    write_image(tmp_path / 'b.png', mask)
    write_image(tmp_path / 'c.png', mask * 127)  # grey: under 128
    assert np.array_equal(load_mask(tmp_path / 'a.png'), mask.astype(bool))
    assert np.array_equal(load_mask(tmp_path / 'b.png'), mask.astype(bool))
    assert not load_mask(tmp_path / 'c.png').any()
    write_image(tmp_path / 'd.jpg', img)
    assert load_image(tmp_path / 'd.jpg')[..., 0].min() > 240
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'a.png', 'b.png', 'c.png', 'd.jpg', 'sub'
    ]


def test_failures(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.png'):
        load_mask(tmp_path / 'nope.png')
    (tmp_path / 'bad.png').write_bytes(b'not an image')
    with pytest.raises(ValueError, match='bad.png'):
        load_image(tmp_path / 'bad.png')
    (tmp_path / 'keep.png').write_bytes(b'old')
    with pytest.raises(ValueError):
        write_image(tmp_path / 'keep.png', np.zeros((2, 2), np.float64))
    assert (tmp_path / 'keep.png').read_bytes() == b'old'


def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    (tmp_path / 'keep.png').write_bytes(b'old')

    def crash(src, dst):
        raise OSError('disk gone')

    monkeypatch.setattr(os, 'replace', crash)
    with pytest.raises(OSError):
        write_image(tmp_path / 'keep.png', np.zeros((2, 2), np.uint8))
    assert (tmp_path / 'keep.png').read_bytes() == b'old'
    assert [p.name for p in tmp_path.iterdir()] == ['keep.png']  # no temp


def test_written_files_get_the_usual_permissions(tmp_path):
    write_image(tmp_path / 'm.png', np.zeros((2, 2), np.uint8))
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / 'm.png').stat().st_mode & 0o777 == 0o666 & ~umask


def test_pil_images_mean_their_arrays():
    from PIL import Image
    rgb = np.random.default_rng(0).integers(0, 255, (5, 6, 3), np.uint8)
    assert np.array_equal(load_image(Image.fromarray(rgb)), rgb)
    palette = Image.fromarray(rgb).convert('P')  # indices: shown as colours
    assert np.array_equal(load_image(palette),
                          np.asarray(palette.convert('RGB')))
    gray = Image.fromarray(rgb[..., 0])
    assert np.array_equal(load_image(gray), np.repeat(rgb[..., :1], 3, 2))
    mask = np.eye(5, 6, dtype=np.uint8)
    indexed = Image.fromarray(mask, mode='P')  # a 0/1 palette mask
    assert np.array_equal(load_mask(indexed), mask.astype(bool))
    assert np.array_equal(load_mask(Image.fromarray(mask * 255).convert('1')),
                          mask.astype(bool))
    with pytest.raises(TypeError, match='mask: expected a file path'):
        load_mask(None)
