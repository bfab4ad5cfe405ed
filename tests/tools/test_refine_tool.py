"""tools/refine.py: refine saved predictions in every format they come in.

The tiny config at ``model_size=64`` with random weights keeps runs short;
most runs call the tool's ``main`` in this process (one import of torch),
the variety folder and the interrupted run go through a subprocess.
"""
import json
import os
import pickle
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
import torch
from PIL import Image
from pycocotools import mask as mask_utils

from segrefiner.io import load_mask, temp_owner, write_image

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, 'tools', 'refine.py')
TINY = [
    '--config',
    os.path.join(ROOT, 'configs', 'segrefiner', 'segrefiner_tiny.py'),
    '--cfg-options', 'model.test_cfg.model_size=64'
]


def ellipse(shape, grow=0, centre=None):
    """A 0/255 uint8 ellipse mask."""
    height, width = shape
    mask = np.zeros(shape, np.uint8)
    centre = centre or (width // 2, height // 2)
    cv2.ellipse(mask, centre, (width // 4 + grow, height // 4 + grow), 0, 0,
                360, 255, -1)
    return mask


def photo(mask, seed=0):
    """An RGB uint8 image whose bright object is ``mask``."""
    rng = np.random.default_rng(seed)
    base = np.where(mask[..., None] > 0, 200, 40).astype(np.uint8)
    return base + rng.integers(0, 30, mask.shape + (3, ), dtype=np.uint8)


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def subprocess_args(*args):
    return [sys.executable, TOOL, *[str(a) for a in args]]


def run_subprocess(*args):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run(subprocess_args(*args), capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


def error_lines(err):
    return [line for line in err.splitlines() if line.startswith('error:')]


def test_mask_folder_of_every_variety(tmp_path, run_tool):
    images, masks, out = tmp_path / 'im', tmp_path / 'm', tmp_path / 'out'
    images.mkdir(), masks.mkdir()
    shape = (64, 80)
    coarse = ellipse(shape, grow=4)
    rgb = photo(ellipse(shape))
    cv2.imwrite(str(images / 'gray.png'), rgb[..., 0])
    cv2.imwrite(str(images / 'rgba.png'),
                np.dstack([rgb, np.full(shape, 255, np.uint8)]))
    cv2.imwrite(str(images / 'deep.png'), rgb.astype(np.uint16) * 257)
    for name in ('plain', 'empty', 'small', 'broken', 'lonely'):
        cv2.imwrite(str(images / f'{name}.jpg'), rgb)
    (images / 'corrupt.png').write_bytes(b'\x89PNG garbage')
    (images / 'notes.txt').write_text('not an image')
    cv2.imwrite(str(masks / 'gray.png'), coarse)
    cv2.imwrite(str(masks / 'rgba.png'), coarse // 255)  # 0/1
    cv2.imwrite(str(masks / 'deep.png'), coarse.astype(np.uint16) * 257)
    cv2.imwrite(str(masks / 'plain.jpg'), coarse)  # a JPEG mask
    cv2.imwrite(str(masks / 'empty.png'), np.zeros(shape, np.uint8))
    cv2.imwrite(str(masks / 'small.png'), coarse[::2, ::2])
    (masks / 'broken.png').write_bytes(os.urandom(200))
    cv2.imwrite(str(masks / 'corrupt.png'), coarse)
    cv2.imwrite(str(masks / 'orphan.png'), coarse)
    before = snapshot(images), snapshot(masks)

    run = run_subprocess(images, masks, '--out', out, *TINY)
    assert run.returncode == 1, run.stderr[-3000:]
    errors = error_lines(run.stderr)
    assert len(errors) == 5, run.stderr
    for name in ('m/small.png', 'm/broken.png', 'im/corrupt.png',
                 'im/lonely.jpg', 'm/orphan.png'):
        assert sum(name in line for line in errors) == 1, (name, errors)
    assert 'differs from the image size 64x80' in run.stderr
    assert 'no mask for this image' in run.stderr
    assert 'no image for this mask' in run.stderr
    assert f'warning: {masks / "empty.png"}: empty mask' in run.stderr
    assert 'masks/s' in run.stderr  # the progress bar's rate
    assert run.stdout.strip().splitlines()[-1] == (
        'refined 4, passed through 1 (1 empty), skipped 0 (resume), failed 5;'
        f' outputs in {out}')
    assert sorted(os.listdir(out)) == [
        'deep.png', 'empty.png', 'gray.png', 'plain.jpg', 'rgba.png'
    ]
    for path in out.iterdir():
        levels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert levels.shape == shape and levels.dtype == np.uint8
    assert cv2.imread(str(out / 'rgba.png'), -1).max() <= 1  # 0/1 kept
    assert set(np.unique(cv2.imread(str(out / 'gray.png'), -1))) <= {0, 255}
    assert not cv2.imread(str(out / 'empty.png'), -1).any()
    assert (snapshot(images), snapshot(masks)) == before

    code, io = run_tool(images, masks, '--out', out, '--resume',
                        '--resize-mask', *TINY)
    assert code == 1 and len(error_lines(io.err)) == 4
    assert io.out.strip().endswith(
        'refined 1, passed through 0, skipped 5 (resume), failed 4; '
        f'outputs in {out}')
    assert load_mask(str(out / 'small.png')).shape == shape


def test_big_folder_pairs_im_with_seg_and_ignores_gt(tmp_path, run_tool):
    big, out = tmp_path / 'big', tmp_path / 'out'
    big.mkdir()
    shape = (72, 96)
    for name in ('a', 'b', 'c'):
        cv2.imwrite(str(big / f'{name}_im.jpg'), photo(ellipse(shape)))
        cv2.imwrite(str(big / f'{name}_gt.png'), ellipse(shape))
    for name in ('a', 'b', 'd'):
        cv2.imwrite(str(big / f'{name}_seg.png'), ellipse(shape, grow=5))
    before = snapshot(big)
    code, io = run_tool(big, '--out', big, *TINY)  # out = the input folder
    assert code == 1 and 'refusing to overwrite an input' in io.err
    code, io = run_tool(big, '--out', out, '--mode', 'lr', *TINY)
    assert code == 1
    assert sorted(os.listdir(out)) == ['a_seg.png', 'b_seg.png']
    errors = error_lines(io.err)
    assert len(errors) == 2
    assert 'c_im.jpg: no mask' in errors[0] and 'd_seg.png' in errors[1]
    assert ('refined 2, passed through 0, skipped 0 (resume), '
            'failed 2') in io.out
    assert snapshot(big) == before


def test_label_maps_round_trip(tmp_path, run_tool):
    images, labels, out = tmp_path / 'im', tmp_path / 'lab', tmp_path / 'out'
    images.mkdir(), labels.mkdir()
    shape = (64, 96)
    label_map = np.zeros(shape, np.uint8)
    label_map[ellipse(shape, grow=6) > 0] = 3
    label_map[ellipse(shape, centre=(20, 16)) > 0] = 7
    label_map[:4] = 255  # ignored
    for name in ('plain', 'palette', 'deep', 'lossy'):
        cv2.imwrite(str(images / f'{name}.jpg'), photo(label_map == 3))
    Image.fromarray(label_map).save(labels / 'plain.png')
    palette = Image.fromarray(label_map, mode='P')
    palette.putpalette([i % 256 for i in range(768)])
    palette.save(labels / 'palette.png')
    Image.fromarray(label_map.astype(np.uint16) * 40).save(labels / 'deep.png')
    cv2.imwrite(str(labels / 'lossy.jpg'), label_map)
    code, io = run_tool(images, labels, '--format', 'labelmap', '--out', out,
                        *TINY)
    assert code == 1 and len(error_lines(io.err)) == 1
    assert 'lossy.jpg: a JPEG label map' in io.err
    assert ('refined 3, passed through 0, skipped 0 (resume), '
            'failed 1') in io.out
    for name, mode, classes in (('plain', 'L', {0, 3, 7, 255}),
                                ('palette', 'P', {0, 3, 7, 255}),
                                ('deep', 'I;16', {0, 120, 280, 10200})):
        with Image.open(out / f'{name}.png') as img:
            assert img.mode == mode
            refined = np.asarray(img)
            if mode == 'P':
                assert img.getpalette()[:9] == list(range(9))
        assert refined.shape == shape
        assert set(np.unique(refined)) <= classes
    plain = np.asarray(Image.open(out / 'plain.png'))
    assert (plain[:4] == 255).all()  # ignore_index untouched


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
    results.write_bytes(pickle.dumps(entries))
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
    real, calls = SegRefinerPredictor.refine_instances, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    entries.insert(1, dict(entries[0], img_id=9))
    results.write_bytes(pickle.dumps(entries))
    again = tmp_path / 'again.pkl'
    monkeypatch.setattr(SegRefinerPredictor, 'refine_instances', interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_tool(images, results, '--out', again, *TINY)
    assert not again.exists() and (tmp_path / '.again.pkl.partial').is_dir()
    monkeypatch.setattr(SegRefinerPredictor, 'refine_instances', real)
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


def test_embedded_model_without_config(tmp_path, run_tool):
    images, masks, out = tmp_path / 'im', tmp_path / 'm', tmp_path / 'out'
    images.mkdir(), masks.mkdir()
    shape = (96, 112)
    cv2.imwrite(str(images / 'x.png'), photo(ellipse(shape))[..., ::-1])
    cv2.imwrite(str(masks / 'x.png'), ellipse(shape, grow=5))
    code, io = run_tool(images, masks, '--out', out)
    assert code == 0, io.err
    assert 'random weights' not in io.err
    assert io.out.strip() == (
        f'refined 1, passed through 0, skipped 0 (resume), failed 0; '
        f'outputs in {out}')
    refined = load_mask(str(out / 'x.png'))
    assert refined.shape == shape and refined.any()
    code, io = run_tool(images, masks, '--out', tmp_path / 'hr', '--mode',
                        'hr', '--no-progress')
    assert code == 0 and load_mask(str(tmp_path / 'hr' / 'x.png')).any()


def test_killed_run_leaves_complete_files_and_resumes(tmp_path, run_tool):
    images, masks, out = tmp_path / 'im', tmp_path / 'm', tmp_path / 'out'
    images.mkdir(), masks.mkdir()
    shape, total = (64, 64), 30
    for i in range(total):
        mask = ellipse(shape, grow=2, centre=(32 + i % 5, 32))
        cv2.imwrite(str(images / f'{i:03d}.jpg'), photo(mask, seed=i))
        cv2.imwrite(str(masks / f'{i:03d}.png'), mask)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.Popen(subprocess_args(images, masks, '--out', out,
                                            *TINY), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if out.is_dir() and any(not p.name.startswith('.')
                                    for p in out.iterdir()):
                break
            time.sleep(0.01)
        assert proc.poll() is None, 'the run ended before it could be killed'
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = [p for p in out.iterdir() if temp_owner(p.name) is None]
    assert 0 < len(done) < total
    for path in done:  # every final name is a complete mask
        assert load_mask(str(path)).shape == shape
    (out / '.029.png.x1y2z3w4.tmp').write_bytes(b'half a png')  # killed write
    code, io = run_tool(images, masks, '--out', out, '--resume',
                        '--no-progress', *TINY)
    assert code == 0, io.err
    assert io.out.strip().startswith(
        f'refined {total - len(done)}, passed through 0, skipped '
        f'{len(done)} (resume), failed 0')
    assert sorted(os.listdir(out)) == [f'{i:03d}.png' for i in range(total)]


def test_inference_options_pass_through(tmp_path, run_tool):
    from segrefiner.apis import init_refiner, refine
    images, masks = tmp_path / 'images', tmp_path / 'masks'
    mask = ellipse((64, 80))
    write_image(images / 'a.png', photo(mask))
    write_image(masks / 'a.png', mask)
    code, io = run_tool(images, masks, '--out', tmp_path / 'ref',
                        '--reference', '--no-progress', *TINY)
    assert code == 0, io.err
    torch.manual_seed(0)  # the tool's random weights without a checkpoint
    model = init_refiner(TINY[1], cfg_options={'model.test_cfg.model_size': 64})
    expected = refine(model, photo(mask), mask, seed=0, fast=False)
    written = cv2.imread(str(tmp_path / 'ref' / 'a.png'), 0)
    assert np.array_equal(written > 0, expected)
    code, io = run_tool(images, masks, '--out', tmp_path / 'bad',
                        '--reference', '--precision', 'bf16', *TINY)
    assert code == 1 and 'needs fast=True' in io.err


def test_a_malicious_checkpoint_is_refused(tmp_path, run_tool,
                                           malicious_checkpoint):
    evil, marker = malicious_checkpoint
    for sub in ('images', 'masks'):
        (tmp_path / sub).mkdir()
    mask = ellipse((48, 64))
    cv2.imwrite(str(tmp_path / 'images' / 'a.png'), photo(mask))
    cv2.imwrite(str(tmp_path / 'masks' / 'a.png'), mask)
    code, output = run_tool(tmp_path / 'images', tmp_path / 'masks', '--out',
                            tmp_path / 'out', '--no-progress', *TINY,
                            '--checkpoint', evil)
    assert code == 1
    assert 'refused to load' in output.err and str(evil) in output.err
    assert '--trust-checkpoint' in output.err
    assert not marker.exists()
    assert not (tmp_path / 'out' / 'a.png').exists()


def test_label_maps_given_as_masks_are_refused(tmp_path, run_tool):
    images, labels, out = tmp_path / 'im', tmp_path / 'lab', tmp_path / 'out'
    images.mkdir(), labels.mkdir()
    shape = (48, 64)
    for name in ('a', 'b'):
        cv2.imwrite(str(images / f'{name}.jpg'), photo(ellipse(shape)))
        label_map = (ellipse(shape) // 255).astype(np.uint8) * 2
        label_map[:4] = 255
        label_map[-4:] = 1
        cv2.imwrite(str(labels / f'{name}.png'), label_map)  # {0,1,2,255}
    code, io = run_tool(images, labels, '--out', out, *TINY)
    assert code == 1
    assert error_lines(io.err) == [
        f'error: {labels / "a.png"}: holds 4 values (0, 1, 2, 255), not the '
        'two of a binary mask: a label map? use --format labelmap (or '
        'binarise the masks first)'
    ]
    assert not out.exists()  # refused before anything is written
    code, io = run_tool(images, labels, '--out', out, '--format', 'labelmap',
                        *TINY)
    assert code == 0 and 'refined 2,' in io.out


def test_one_file_output_only_when_something_was_refined(tmp_path, run_tool):
    images = tmp_path / 'im'
    masks = write_instance_scene(images, ['a.jpg'])
    entries = mmdet_results(images, masks)
    for entry in entries:
        entry['img_path'] = '/elsewhere/gone.jpg'  # every image fails
    results = tmp_path / 'results.pkl'
    results.write_bytes(pickle.dumps(entries))
    out = tmp_path / 'refined.pkl'
    code, io = run_tool(images, results, '--out', out, *TINY)
    assert code == 1 and not out.exists()
    assert f'error: {out} not written: no image was refined' in io.err
    assert io.out.strip().endswith(f'{out} not written: no image was refined')

    # every mask under area_thr: passed through, said so, nothing written
    tiny = np.zeros_like(masks[:1])
    tiny[0, 10:20, 10:20] = True  # 100 pixels < area_thr 512
    entries = mmdet_results(images, np.concatenate([tiny, tiny]))
    results.write_bytes(pickle.dumps(entries[:1]))
    code, io = run_tool(images, results, '--out', out, *TINY)
    assert code == 1 and not out.exists()
    assert ('refined 0, passed through 1 (1 all masks under area_thr=512 '
            'px), skipped 0 (resume), failed 0; masks: 0 refined, 2 under '
            'area_thr=512 px;') in io.out

    # one image refined: written, its small mask counted apart
    entries = mmdet_results(images, np.concatenate([masks[:1], tiny]))
    results.write_bytes(pickle.dumps(entries[:1]))
    code, io = run_tool(images, results, '--out', out, *TINY)
    assert code == 0 and out.is_file()
    assert 'masks: 1 refined, 1 under area_thr=512 px; outputs in' in io.out
    refined = pickle.loads(out.read_bytes())[0]['pred_instances']['masks']
    assert refined[1] == entries[0]['pred_instances']['masks'][1]
