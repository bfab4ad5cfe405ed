"""Saved predictions on disk: pairing, formats, sizes, atomic writes."""
import pickle

import cv2
import numpy as np
import pytest

from segrefiner.apis.batch import BatchOptions, BatchReport, describe, run_batch
from segrefiner.apis.result_files import refine_mmdet_pickle
from segrefiner.io import (atomic_write_bytes, clean_stale_temps,
                           detect_format, fit_to, pair_files, read_mask_file,
                           resolve_image, temp_owner, write_mask)


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


def test_detects_formats(tmp_path):
    touch(tmp_path / 'big', 'a_im.jpg', 'a_seg.png', 'a_gt.png')
    touch(tmp_path / 'm', 'a.png')
    assert detect_format(tmp_path / 'big', tmp_path / 'big') == 'big'
    assert detect_format(tmp_path / 'big', tmp_path / 'm') == 'masks'
    assert detect_format(tmp_path, tmp_path / 'r.PKL') == 'mmdet-pkl'
    assert detect_format(tmp_path, tmp_path / 'r.segm.json') == 'coco-json'
    big = {p.key: p for p in pair_files(tmp_path / 'big', tmp_path / 'big',
                                        '_im', '_seg')}
    assert list(big) == ['a'] and big['a'].mask.name == 'a_seg.png'


def test_fit_to_checks_or_nearest_resizes():
    mask = np.zeros((2, 3), np.uint16)
    mask[1, 2] = 7
    assert fit_to(mask, (2, 3)) is mask
    with pytest.raises(ValueError, match='size 2x3 differs .* 4x6'):
        fit_to(mask, (4, 6))
    big = fit_to(mask, (4, 6), resize=True)
    assert big.dtype == np.uint16 and big[2:, 4:].tolist() == [[7, 7]] * 2
    assert fit_to(mask[None], (4, 6), resize=True).shape == (1, 4, 6)


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


def test_describe_names_the_file_once(tmp_path):
    touch(tmp_path, 'a.png')
    path = tmp_path / 'a.png'
    assert describe('m.png', ValueError(f'{path}: corrupt')) == (
        f'{path}: corrupt')
    assert describe('m.png', ValueError('bad')) == 'm.png: bad'


def test_run_batch_counts_names_failures_and_shows_a_rate(capsys):
    def step(item, warn):
        if item == 'b':
            raise ValueError('corrupt')
        warn(f'note {item}')
        return ('skipped' if item == 'c' else 'refined'), item.upper()

    report = BatchReport('out')
    values = run_batch(['a', 'b', 'c'], lambda item: f'{item}.png', step,
                       report, True, 'images')
    assert values == ['A', None, 'C']
    assert (report.refined, report.skipped) == (1, 1)
    assert report.failures == ['b.png: corrupt']
    err = capsys.readouterr().err
    assert 'error: b.png: corrupt' in err.splitlines()
    assert 'note a' in err and 'images/s' in err


def test_bad_pickles_and_bad_masks_are_named(tmp_path, identity_refiner,
                                             capsys):
    touch(tmp_path, 'a.png')
    bad = tmp_path / 'bad.pkl'
    bad.write_bytes(b'not a pickle')
    with pytest.raises(ValueError, match='bad.pkl: not a readable pickle'):
        refine_mmdet_pickle(identity_refiner, tmp_path, bad, tmp_path / 'o')
    results = tmp_path / 'r.pkl'
    results.write_bytes(pickle.dumps([
        dict(img_path='a.png', pred_instances=dict(masks=[dict(size=[4])])),
        dict(img_path='a.png', pred_instances=dict(bboxes=[])),
    ]))
    report = refine_mmdet_pickle(identity_refiner, tmp_path, results,
                                 tmp_path / 'out.pkl',
                                 BatchOptions(progress=False))
    assert report.refined == 0 and len(report.failures) == 2
    err = capsys.readouterr().err
    assert 'a.png: a mask is not a valid RLE' in err
    assert 'a.png: no instance masks' in err
    assert pickle.loads((tmp_path / 'out.pkl').read_bytes())[1] == dict(
        img_path='a.png', pred_instances=dict(bboxes=[]))
