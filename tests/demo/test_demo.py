import os
import subprocess
import sys

from segrefiner.io import load_image


def run_demo(repo_root, *args):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, f'{repo_root}/demo/demo.py', *args],
                          capture_output=True, text=True, cwd=repo_root,
                          env=env, timeout=600)


def test_demo_writes_the_four_panel_picture(repo_root, tiny_config,
                                            tmp_path):
    out = tmp_path / 'demo.png'
    run = run_demo(repo_root, '--config', tiny_config, '--out', str(out),
                   '--mode', 'lr')
    assert run.returncode == 0, run.stderr[-2000:]
    assert str(out) in run.stdout
    picture = load_image(str(out))
    assert picture.shape[0] == 360 + 28  # panel height + title bar
    assert picture.shape[1] == 4 * 360 + 3 * 6  # four square panels


def test_demo_names_a_missing_input(repo_root, tiny_config, tmp_path):
    run = run_demo(repo_root, str(tmp_path / 'nope.jpg'),
                   f'{repo_root}/demo/sample/coarse.png', '--config',
                   tiny_config, '--out', str(tmp_path / 'x.png'))
    assert run.returncode == 1
    assert 'nope.jpg' in run.stderr
    assert not (tmp_path / 'x.png').exists()


def test_an_image_without_its_mask_is_refused(repo_root, tiny_config,
                                              tmp_path):
    image = f'{repo_root}/demo/sample/image.jpg'
    run = run_demo(repo_root, image, '--config', tiny_config, '--out',
                   str(tmp_path / 'x.png'))
    assert run.returncode == 2
    assert 'error: IMAGE needs its coarse MASK' in run.stderr
    assert not (tmp_path / 'x.png').exists()
