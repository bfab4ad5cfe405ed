"""tools/benchmark_steps.py: the steps curve on a small folder dataset."""
import json
import os

import cv2
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, 'tools', 'benchmark_steps.py')


@pytest.fixture(autouse=True)
def tools_on_path(monkeypatch):
    """``tools/`` first on ``sys.path``, as when Python runs the script."""
    monkeypatch.syspath_prepend(os.path.dirname(TOOL))


def folder(root, num=2):
    rng = np.random.default_rng(0)
    for sub in ('images', 'masks', 'coarse_official'):
        (root / sub).mkdir(parents=True)
    for i in range(num):
        image = rng.integers(0, 255, (80, 96, 3), dtype=np.uint8)
        gt = np.zeros((80, 96), np.uint8)
        gt[20:60, 15 + i:70] = 255
        coarse = np.zeros_like(gt)
        coarse[24:64, 10:66 + i] = 255
        cv2.imwrite(str(root / 'images' / f'{i}.png'), image)
        cv2.imwrite(str(root / 'masks' / f'{i}.png'), gt)
        cv2.imwrite(str(root / 'coarse_official' / f'{i}.png'), coarse)
    return root


def test_curve_rows_for_every_setting(tmp_path, run_tool):
    data = folder(tmp_path / 'val', num=1)  # the embedded model, at 32 px
    code, io = run_tool(data, '--no-full', '--exit-steps', '6', '3',
                        '--cfg-options', 'model.test_cfg.model_size=32',
                        '--json', tmp_path / 'rows.json')
    assert code == 0, io.err
    rows = json.loads((tmp_path / 'rows.json').read_text())
    assert [(r['steps'], r['early_exit']) for r in rows] == [
        (0, False), (6, False), (5, False), (4, False), (3, False),
        (2, False), (1, False), (6, True), (3, True)]
    assert all(r['set'] == 'val/coarse_official' for r in rows)
    assert rows[1]['speedup'] == 1.0 and rows[6]['seconds'] > 0
    assert all(0 <= r['IoU'] <= 100 and r['samples'] == 1 for r in rows[1:])
    assert '| val/coarse_official | 3 + exit |' in io.out


def test_no_coarse_folder_is_one_error_line(tmp_path, run_tool):
    data = folder(tmp_path / 'val')
    code, io = run_tool(data, '--coarse', 'coarse_missing', '--no-full')
    assert code == 1
    assert io.err.startswith('error: none of the coarse folders')
    assert len(io.err.strip().splitlines()) == 1
