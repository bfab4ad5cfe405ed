"""Saved predictions on disk: pairing, sizes, atomic writes."""
import cv2
import numpy as np
import pytest

from segrefiner.io import (atomic_folder, atomic_write_bytes, check_size,
                           clean_stale_temps, fit_to, pair_files,
                           read_mask_file, resolve_image, temp_owner,
                           write_mask)


def touch(folder, *names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        cv2.imwrite(str(folder / name), np.zeros((4, 4), np.uint8))


def test_pairs_by_stem_and_names_every_problem(tmp_path):
    touch(tmp_path / 'im', 'a.jpg', 'b.png', 'c.jpg', 'c.png', 'd.jpg')
    touch(tmp_path / 'm', 'a.png', 'b.jpg', 'c.png', 'e.png')
    pairs = {p.key: p for p in pair_files(tmp_path / 'im', tmp_path / 'm')}
    assert sorted(pairs) == ['a', 'b', 'c', 'd', 'e']
    assert pairs['a'].problem is None and pairs['b'].problem is None
    assert 'c.jpg, c.png' in pairs['c'].problem
    assert pairs['d'].problem.startswith('no mask') and (
        pairs['d'].file.name == 'd.jpg')
    assert pairs['e'].problem.startswith('no image') and (
        pairs['e'].file.name == 'e.png')


def test_fit_to_checks_or_nearest_resizes():
    mask = np.zeros((2, 3), np.uint16)
    mask[1, 2] = 7
    assert fit_to(mask, (2, 3)) is mask
    with pytest.raises(ValueError, match='size 2x3 differs .* 4x6'):
        fit_to(mask, (4, 6))
    big = fit_to(mask, (4, 6), resize=True)
    assert big.dtype == np.uint16 and big[2:, 4:].tolist() == [[7, 7]] * 2
    assert fit_to(mask[None], (4, 6), resize=True).shape == (1, 4, 6)


def test_check_size_is_the_one_size_rule():
    check_size(np.zeros((3, 2, 3)), (2, 3))  # a stack: the last two axes
    with pytest.raises(ValueError, match=r'^a.png: mask size 2x3 differs '
                       r'from the image size 4x6$'):
        check_size(np.zeros((2, 3)), (4, 6), 'a.png: mask')
    with pytest.raises(ValueError, match=r'4x6 \(--resize-mask'):
        fit_to(np.zeros((2, 3)), (4, 6))


def test_masks_keep_their_scale(tmp_path):
    cv2.imwrite(str(tmp_path / 'one.png'), np.eye(3, dtype=np.uint8))
    mask, value = read_mask_file(tmp_path / 'one.png')
    assert value == 1 and mask.sum() == 3
    write_mask(tmp_path / 'out.png', mask, value)
    assert cv2.imread(str(tmp_path / 'out.png'), -1).max() == 1
    write_mask(tmp_path / 'out.jpg', mask, value)  # JPEG: always 0/255
    assert cv2.imread(str(tmp_path / 'out.jpg'), -1).max() > 200


def test_atomic_writes_and_stale_temps(tmp_path):
    atomic_write_bytes(tmp_path / 'sub' / 'r.pkl', b'data')
    assert [p.name for p in (tmp_path / 'sub').iterdir()] == ['r.pkl']
    assert temp_owner('.r.pkl.abc_12.tmp') == 'r.pkl'
    assert temp_owner('.tmp') is None and temp_owner('x.tmp') is None
    for name in ('.a.png.x1.tmp', '.b.png.x2.tmp', '.hidden', 'c.png'):
        (tmp_path / name).write_bytes(b'')
    assert clean_stale_temps(tmp_path, ['a.png']) == 1
    assert clean_stale_temps(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        '.hidden', 'c.png'
    ]


def test_resolve_image_tries_the_tails_of_the_name(tmp_path):
    touch(tmp_path / 'val' / 'city', 'x.png')
    assert resolve_image(tmp_path / 'val', '/data/val/city/x.png') == (
        tmp_path / 'val' / 'city' / 'x.png')
    assert resolve_image(tmp_path / 'val', 'city/x.png').exists()
    with pytest.raises(FileNotFoundError, match='no image y.png'):
        resolve_image(tmp_path, 'city/y.png')


def test_atomic_folder_replaces_whole_or_not_at_all(tmp_path):
    out = tmp_path / 'out' / 'a'
    with atomic_folder(out) as tmp:
        (tmp / 'x.png').write_bytes(b'1')
    assert sorted(p.name for p in out.iterdir()) == ['x.png']
    with pytest.raises(RuntimeError):
        with atomic_folder(out) as tmp:
            (tmp / 'y.png').write_bytes(b'2')
            raise RuntimeError('killed')
    assert sorted(p.name for p in out.iterdir()) == ['x.png']
    with atomic_folder(out) as tmp:
        (tmp / 'y.png').write_bytes(b'2')
    assert sorted(p.name for p in out.iterdir()) == ['y.png']
    assert [p.name for p in out.parent.iterdir()] == ['a']  # no temps left
    (out.parent / '.a.k2j_x9q1.tmp').mkdir()  # an interrupted writer's
    assert clean_stale_temps(out.parent, ['a']) == 1
    assert [p.name for p in out.parent.iterdir()] == ['a']
