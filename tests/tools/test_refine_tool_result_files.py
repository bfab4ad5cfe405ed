"""tools/refine.py on one-file results: mmdet pickles and COCO json.

Same settings as test_refine_tool.py (tiny config, random weights, ``main``
run in this process).
"""
import json
import os
import pickle

import cv2
import numpy as np
import pytest
import torch
from pycocotools import mask as mask_utils

from refine_scenes import TINY, ellipse, error_lines, photo
from refine_scenes import TOOL  # noqa: F401  (the script run_tool runs)


def rle(mask):
    return mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))


def decode(segmentation):
    return mask_utils.decode(segmentation)


def write_instance_scene(folder, names, shape=(64, 96)):
    """Images and two coarse instance masks per image."""
    folder.mkdir(parents=True, exist_ok=True)
    masks = np.stack([ellipse(shape, grow=4) > 0,
                      ellipse(shape, centre=(24, 20)) > 0])
    for name in names:
        cv2.imwrite(str(folder / name), photo(ellipse(shape)))
    return masks


def mmdet_results(images, masks):
    """A DumpDetResults list: img 0 with two masks, 1 with none, 2 missing."""
    entries = []
    for i, (name, count) in enumerate([('a.jpg', 2), ('b.jpg', 0),
                                       ('gone.jpg', 1)]):
        entries.append(
            dict(img_id=i, img_path=f'/elsewhere/coco/{name}',
                 ori_shape=masks.shape[1:],
                 pred_instances=dict(
                     bboxes=torch.rand(count, 4) * 50,
                     scores=torch.rand(count),
                     labels=torch.arange(count),
                     masks=[rle(m) for m in masks[:count]])))
    return entries


def test_mmdet_pickle_round_trip_and_resume(tmp_path, run_tool, monkeypatch):
    images = tmp_path / 'im'
    masks = write_instance_scene(images, ['a.jpg', 'b.jpg'])
    entries = mmdet_results(images, masks)
    results = tmp_path / 'results.pkl'
    results.write_bytes(pickle.dumps(entries, protocol=2))
    code, io = run_tool(images, results, '--out', results, *TINY)
    assert code == 1 and 'refusing to overwrite an input' in io.err
    out = tmp_path / 'refined' / 'refined.pkl'
    code, io = run_tool(images, results, '--out', out, *TINY)
    assert code == 1
    assert error_lines(io.err) == [
        'error: /elsewhere/coco/gone.jpg: no image gone.jpg in ' f'{images}'
    ]
    assert ('refined 1, passed through 1 (1 no masks), skipped 0 (resume), '
            'failed 1; masks: 2 refined') in io.out
    refined = pickle.loads(out.read_bytes())
    assert len(refined) == 3
    for old, new in zip(entries, refined):
        assert new.keys() == old.keys() and new['img_path'] == old['img_path']
        pred, coarse = new['pred_instances'], old['pred_instances']
        assert pred.keys() == coarse.keys()
        for key in ('bboxes', 'scores', 'labels'):
            assert torch.equal(pred[key], coarse[key])
        assert len(pred['masks']) == len(coarse['masks'])
        for mask in pred['masks']:
            assert isinstance(mask['counts'], bytes)
            assert list(mask['size']) == [64, 96]
            assert decode(mask).shape == (64, 96)
    assert refined[2]['pred_instances']['masks'] == entries[2][
        'pred_instances']['masks']  # failed: written back as it was
    assert os.listdir(out.parent) == ['refined.pkl']

    # an interrupted run leaves no output and resumes from what it kept
    from segrefiner.apis import SegRefinerPredictor
    real, calls = SegRefinerPredictor.refine_instances_together, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    entries.insert(1, dict(entries[0], img_id=9))
    results.write_bytes(pickle.dumps(entries, protocol=2))
    again = tmp_path / 'again.pkl'
    monkeypatch.setattr(SegRefinerPredictor, 'refine_instances_together',
                        interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_tool(images, results, '--out', again, *TINY)
    assert not again.exists() and (tmp_path / '.again.pkl.partial').is_dir()
    monkeypatch.setattr(SegRefinerPredictor, 'refine_instances_together',
                        real)
    code, io = run_tool(images, results, '--out', again, '--resume', *TINY)
    assert ('refined 1, passed through 1 (1 no masks), skipped 1 (resume), '
            'failed 1') in io.out
    assert not (tmp_path / '.again.pkl.partial').exists()
    resumed = pickle.loads(again.read_bytes())
    assert resumed[0]['pred_instances']['masks'] == refined[0][
        'pred_instances']['masks']  # seeded: as in one go
    code, io = run_tool(images, results, '--out', again, '--resume', *TINY)
    assert 'refined 0, passed through 0, skipped 4 (resume)' in io.out


def test_coco_json_round_trip(tmp_path, run_tool):
    images = tmp_path / 'val'
    masks = write_instance_scene(images, ['1.jpg', '2.jpg'])
    (images / 'sub').mkdir()
    os.replace(images / '2.jpg', images / 'sub' / '2.jpg')
    ann = tmp_path / 'instances.json'
    ann.write_text(json.dumps(dict(images=[
        dict(id=1, file_name='1.jpg', height=64, width=96),
        dict(id=2, file_name='sub/2.jpg', height=64, width=96)
    ], annotations=[], categories=[dict(id=1, name='thing')])))

    def result(image_id, mask, score):
        seg = rle(mask)
        seg['counts'] = seg['counts'].decode()
        return dict(image_id=image_id, category_id=1, segmentation=seg,
                    score=score, bbox=[1.0, 2.0, 3.0, 4.0])

    entries = [result(1, masks[0], 0.9), result(2, masks[1], 0.8),
               result(1, masks[1], 0.7), result(99, masks[0], 0.5)]
    results = tmp_path / 'results.segm.json'
    results.write_text(json.dumps(entries))
    with pytest.raises(SystemExit):
        run_tool(images, results, '--out', tmp_path / 'x.json')  # no --ann
    out = tmp_path / 'refined.segm.json'
    code, io = run_tool(images, results, '--ann', ann, '--out', out, *TINY)
    assert code == 1
    assert error_lines(io.err) == [
        f'error: image_id 99: not in {ann}'
    ]
    assert ('refined 2, passed through 0, skipped 0 (resume), '
            'failed 1') in io.out
    refined = json.loads(out.read_text())
    assert len(refined) == len(entries)
    for old, new in zip(entries, refined):
        assert {k: v for k, v in new.items() if k != 'segmentation'} == {
            k: v for k, v in old.items() if k != 'segmentation'}
        assert isinstance(new['segmentation']['counts'], str)
        assert decode(new['segmentation']).shape == (64, 96)
    assert refined[3] == entries[3]


def test_one_file_output_only_when_something_was_refined(tmp_path, run_tool):
    images = tmp_path / 'im'
    masks = write_instance_scene(images, ['a.jpg'])
    entries = mmdet_results(images, masks)
    for entry in entries:
        entry['img_path'] = '/elsewhere/gone.jpg'  # every image fails
    results = tmp_path / 'results.pkl'
    results.write_bytes(pickle.dumps(entries, protocol=2))
    out = tmp_path / 'refined.pkl'
    code, io = run_tool(images, results, '--out', out, *TINY)
    assert code == 1 and not out.exists()
    assert f'error: {out} not written: no image was refined' in io.err
    assert io.out.strip().endswith(f'{out} not written: no image was refined')

    # every mask under area_thr: passed through, said so, nothing written
    tiny = np.zeros_like(masks[:1])
    tiny[0, 10:20, 10:20] = True  # 100 pixels < area_thr 512
    entries = mmdet_results(images, np.concatenate([tiny, tiny]))
    results.write_bytes(pickle.dumps(entries[:1], protocol=2))
    code, io = run_tool(images, results, '--out', out, *TINY)
    assert code == 1 and not out.exists()
    assert ('refined 0, passed through 1 (1 all masks under area_thr=512 '
            'px), skipped 0 (resume), failed 0; masks: 0 refined, 2 under '
            'area_thr=512 px;') in io.out

    # one image refined: written, its small mask counted apart
    entries = mmdet_results(images, np.concatenate([masks[:1], tiny]))
    results.write_bytes(pickle.dumps(entries[:1], protocol=2))
    code, io = run_tool(images, results, '--out', out, *TINY)
    assert code == 0 and out.is_file()
    assert 'masks: 1 refined, 1 under area_thr=512 px; outputs in' in io.out
    refined = pickle.loads(out.read_bytes())[0]['pred_instances']['masks']
    assert refined[1] == entries[0]['pred_instances']['masks'][1]


class _RunsSystem:

    def __init__(self, command) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command, ))


def test_a_results_pickle_that_runs_code_is_refused(tmp_path, run_tool):
    images = tmp_path / 'im'
    masks = write_instance_scene(images, ['a.jpg'])
    entries = mmdet_results(images, masks)[:1]
    marker = tmp_path / 'ran'
    entries[0]['note'] = _RunsSystem(f'touch {marker}')
    results = tmp_path / 'results.pkl'
    results.write_bytes(pickle.dumps(entries, protocol=2))
    out = tmp_path / 'refined.pkl'
    code, io = run_tool(images, results, '--out', out, *TINY)
    assert code == 1 and not marker.exists() and not out.exists()
    assert error_lines(io.err) == [
        f"error: {results}: refused to load: its pickle names the global "
        "'posix.system', which is not plain result data. mmdet and "
        'mmengine.dump write only dicts, lists, numbers, strings, numpy arrays '
        'and tensors: do not use this file.'
    ]
    assert 'Traceback' not in io.err
