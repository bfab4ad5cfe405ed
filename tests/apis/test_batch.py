"""The one batch runner: failures named once, counters, progress; result
files' bad inputs reported by name."""
import os
import pickle

import cv2
import numpy as np
import pytest

from segrefiner.apis.batch import BatchOptions, BatchReport, describe, run_batch
from segrefiner.apis.result_files import refine_results


def touch(folder, *names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        cv2.imwrite(str(folder / name), np.zeros((4, 4), np.uint8))


def test_describe_names_the_file_once(tmp_path):
    touch(tmp_path, 'a.png')
    path = tmp_path / 'a.png'
    assert describe('m.png', ValueError(f'{path}: corrupt')) == (
        f'{path}: corrupt')
    assert describe('m.png', ValueError('bad')) == 'm.png: bad'


def test_run_batch_counts_names_failures_and_shows_a_rate(capsys):
    def step(item, loaded, warn):
        assert loaded is None  # no load given
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


@pytest.mark.parametrize('workers', [0, 2])
def test_run_batch_loads_ahead_in_workers_and_reports_load_errors(workers):
    def load(item):
        if item == 'b':
            raise OSError(2, 'No such file or directory', 'b.png')
        return item * 2, os.getpid()

    def step(item, loaded, warn):
        return 'refined', loaded

    report = BatchReport('out')
    values = run_batch(list('abcd'), lambda item: f'{item}.png', step,
                       report, False, 'images', load, workers)
    assert [v and v[0] for v in values] == ['aa', None, 'cc', 'dd']
    assert report.failures == ['b.png: No such file or directory']
    assert report.refined == 3
    loaders = {v[1] for v in values if v}
    assert (os.getpid() in loaders) == (workers == 0)


def test_bad_pickles_and_bad_masks_are_named(tmp_path, identity_refiner,
                                             capsys):
    touch(tmp_path, 'a.png')
    bad = tmp_path / 'bad.pkl'
    bad.write_bytes(b'not a pickle')
    with pytest.raises(RuntimeError,
                       match='bad.pkl: a text file, not a pickle'):
        refine_results(identity_refiner, tmp_path, bad, tmp_path / 'o',
                       'mmdet-pkl')
    results = tmp_path / 'r.pkl'
    results.write_bytes(pickle.dumps([
        dict(img_path='a.png', pred_instances=dict(masks=[dict(size=[4])])),
        dict(img_path='a.png', pred_instances=dict(bboxes=[])),
    ], protocol=2))
    report = refine_results(identity_refiner, tmp_path, results,
                            tmp_path / 'out.pkl', 'mmdet-pkl',
                            BatchOptions(progress=False))
    assert report.refined == 0 and len(report.failures) == 2
    err = capsys.readouterr().err
    assert 'a.png: a mask is not a valid RLE' in err
    assert 'a.png: no instance masks' in err
    # nothing refined: no copy of the input under the output's name
    assert not (tmp_path / 'out.pkl').exists()
    assert report.not_written == 'no image was refined'
    assert report.summary().endswith(
        f'{tmp_path / "out.pkl"} not written: no image was refined')
