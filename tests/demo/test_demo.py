import os
import subprocess
import sys

import numpy as np

from segrefiner.evaluation import boundary_iou, mask_iou
from segrefiner.io import load_image, load_mask


def run_demo(repo_root, *args):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, f'{repo_root}/demo/demo.py', *args],
                          capture_output=True, text=True, cwd=repo_root,
                          env=env, timeout=600)


def panel_width(image):
    """A panel's width: the image scaled to 360 px high."""
    return max(1, round(image.shape[1] * 360 / image.shape[0]))


def test_demo_picture_mask_truth_scale_and_caption(repo_root, tiny_config,
                                                   tmp_path):
    out = tmp_path / 'demo.png'
    run = run_demo(repo_root, '--config', tiny_config, '--checkpoint',
                   'random', '--out', str(out), '--mode', 'lr', '--seed', '3')
    assert run.returncode == 0, run.stderr[-2000:]
    assert str(out) in run.stdout
    assert run.stderr.count('RandomWeightsWarning: ') == 1
    assert 'segrefiner_tiny.py: random initial weights' in run.stderr
    picture = load_image(str(out))
    image = load_image(f'{repo_root}/demo/sample/image.jpg')
    # five panels (image, coarse, refined, truth, confidence) under their
    # title bar, the colour bar, three caption lines
    assert picture.shape[:2] == (360 + 28 + 3 * 22 + 6,
                                 5 * panel_width(image) + 4 * 6 + 64)
    refined = load_image(str(tmp_path / 'demo_mask.png'))[..., 0]
    assert refined.shape == image.shape[:2]
    assert set(np.unique(refined)) <= {0, 255}
    truth = load_mask(f'{repo_root}/demo/sample/gt.png')
    expected = (f'refined IoU {mask_iou(refined, truth) * 100:.1f} / '
                f'boundary IoU {boundary_iou(refined, truth) * 100:.1f}')
    assert expected in run.stdout
    bar = picture[28 + 1:360 + 28 - 1, -64 + 4:-64 + 20]
    assert (bar[0].astype(int).sum() > bar[-1].astype(int).sum())  # 1 on top


def test_own_image_and_mask_without_truth(repo_root, tiny_config, tmp_path):
    out = tmp_path / 'mine.png'
    run = run_demo(repo_root, f'{repo_root}/demo/sample/image.jpg',
                   f'{repo_root}/demo/sample/coarse.png', '--config',
                   tiny_config, '--checkpoint', 'random', '--out', str(out),
                   '--mode', 'lr')
    assert run.returncode == 0, run.stderr[-2000:]
    picture = load_image(str(out))
    image = load_image(f'{repo_root}/demo/sample/image.jpg')
    assert picture.shape[:2] == (360 + 28 + 2 * 22 + 6,
                                 4 * panel_width(image) + 3 * 6 + 64)
    assert (tmp_path / 'mine_mask.png').is_file()
    assert 'ground truth' not in run.stdout


def test_demo_names_a_missing_input(repo_root, tiny_config, tmp_path):
    run = run_demo(repo_root, str(tmp_path / 'nope.jpg'),
                   f'{repo_root}/demo/sample/coarse.png', '--config',
                   tiny_config, '--out', str(tmp_path / 'x.png'))
    assert run.returncode == 1
    assert 'nope.jpg' in run.stderr
    assert not (tmp_path / 'x.png').exists()


def test_a_config_without_weights_is_one_error(repo_root, tiny_config,
                                              tmp_path):
    run = run_demo(repo_root, '--config', tiny_config, '--out',
                   str(tmp_path / 'x.png'))
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        f"error: {tiny_config}: no checkpoint: name the weights (a file, or "
        "'lr', 'hr', 'demo'), or 'random' for random initial weights"]
    assert not (tmp_path / 'x.png').exists()


def test_demo_refuses_a_malicious_checkpoint(repo_root, tiny_config, tmp_path,
                                             malicious_checkpoint):
    evil, marker = malicious_checkpoint
    run = run_demo(repo_root, '--config', tiny_config, '--checkpoint',
                   str(evil), '--out', str(tmp_path / 'x.png'))
    assert run.returncode == 1
    assert 'refused to load' in run.stderr and "'io.open'" in run.stderr
    assert not marker.exists() and not (tmp_path / 'x.png').exists()


def test_an_image_without_its_mask_is_refused(repo_root, tiny_config,
                                              tmp_path):
    image = f'{repo_root}/demo/sample/image.jpg'
    run = run_demo(repo_root, image, '--config', tiny_config, '--out',
                   str(tmp_path / 'x.png'))
    assert run.returncode == 2
    assert 'error: IMAGE needs its coarse MASK' in run.stderr
    assert not (tmp_path / 'x.png').exists()


def test_demo_out_folder_and_bad_suffix(repo_root, tiny_config, tmp_path):
    model = ('--config', tiny_config, '--checkpoint', 'random')
    existing = tmp_path / 'existing'
    existing.mkdir()
    for option, out in (('--out-dir', tmp_path / 'new'),
                        ('--out', existing)):
        run = run_demo(repo_root, *model, option, str(out))
        assert run.returncode == 0, run.stderr[-2000:]
        assert sorted(p.name for p in out.iterdir()) == ['demo.png',
                                                         'demo_mask.png']
    run = run_demo(repo_root, *model, '--out', str(tmp_path / 'x.xyz'))
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines()
              if line.startswith('error:')]
    assert len(errors) == 1 and "'.xyz'" in errors[0], run.stderr
    assert 'Traceback' not in run.stderr
    assert not (tmp_path / 'x.xyz').exists()
