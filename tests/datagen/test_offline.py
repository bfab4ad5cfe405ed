"""Offline writers: parallel, resumable, atomic, seeded per file name."""
import numpy as np

from segrefiner.datagen import (generate_coarse_masks, generate_composites,
                                make_composite)
from segrefiner.io import list_masks, load_mask, write_image


def gt_folder(root, num=4):
    rng = np.random.default_rng(0)
    for i in range(num):
        mask = np.zeros((64, 80), np.uint8)
        x, y = rng.integers(5, 30, 2)
        mask[y:y + 30, x:x + 40] = 255
        mask[y + 10:y + 20, x + 10:x + 20] = 0  # a hole
        write_image(root / 'gt' / f'm{i}.png', mask)
    return list_masks(root / 'gt')


def snapshot(root):
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob('*')) if p.is_file()
    }


def test_coarse_masks_do_not_depend_on_workers(tmp_path):
    masks = gt_folder(tmp_path)
    one, two = tmp_path / 'one', tmp_path / 'two'
    assert sorted(generate_coarse_masks(masks, one,
                                        seed=3)) == [(f'm{i}.png', None)
                                                     for i in range(4)]
    list(generate_coarse_masks(masks, two, seed=3, workers=2))
    assert snapshot(one) == snapshot(two)
    assert sorted(snapshot(one)) == [
        f'{v}/m{i}.png' for v in ('coarse', 'coarse_expand') for i in range(4)
    ]
    coarse = load_mask(one / 'coarse' / 'm0.png')
    expand = load_mask(one / 'coarse_expand' / 'm0.png')
    assert coarse.shape == (64, 80) and not np.array_equal(coarse, expand)
    list(generate_coarse_masks(masks, tmp_path / 'other', seed=4))
    assert snapshot(tmp_path / 'other') != snapshot(one)


def test_coarse_masks_resume_and_report_bad_files(tmp_path):
    masks = gt_folder(tmp_path)
    out = tmp_path / 'out'
    list(generate_coarse_masks(masks, out))
    before = snapshot(out)
    (out / 'coarse_expand' / 'm1.png').unlink()
    (out / 'coarse' / 'm2.png').write_bytes(b'kept as it is')
    (tmp_path / 'gt' / 'zz.png').write_bytes(b'not an image')
    outcomes = dict(generate_coarse_masks(list_masks(tmp_path / 'gt'), out))
    assert outcomes.pop('zz.png').startswith('ValueError')
    assert set(outcomes.values()) == {None}
    after = snapshot(out)
    assert after.pop('coarse/m2.png') == b'kept as it is'
    before.pop('coarse/m2.png')
    assert after == before  # the missing file came back identical


def test_composites_are_seeded_by_index_and_resume(tmp_path):
    assert sorted(generate_composites(tmp_path, 2, seed=1,
                                      size=(48, 64))) == ['000000', '000001']
    first = snapshot(tmp_path)
    list(generate_composites(tmp_path, 3, seed=1, size=(48, 64), workers=2))
    after = snapshot(tmp_path)
    assert {k: after[k] for k in first} == first and len(after) == 6
    expected = make_composite(np.random.default_rng([1, 2]), (48, 64)).mask
    assert np.array_equal(load_mask(tmp_path / 'masks' / '000002.png'),
                          expected)
