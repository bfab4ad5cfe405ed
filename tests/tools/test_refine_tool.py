"""tools/refine.py: refine saved predictions in every format they come in.

The tiny config at ``model_size=64`` with random weights keeps runs short;
most runs call the tool's ``main`` in this process (one import of torch),
the variety folder and the interrupted run go through a subprocess.
"""
import os
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
from PIL import Image

from segrefiner.io import load_mask, temp_owner, write_image
from refine_scenes import ROOT, TINY, TOOL, ellipse, error_lines, photo


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def subprocess_args(*args):
    return [sys.executable, TOOL, *[str(a) for a in args]]


def run_subprocess(*args):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run(subprocess_args(*args), capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


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
    model = init_refiner(TINY[1], 'random',
                         cfg_options={'model.test_cfg.model_size': 64})
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
