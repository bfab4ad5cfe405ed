"""tools/compare_instances.py: per-instance coarse vs refined scores."""
import os

import numpy as np

from segrefiner.io import load_image, write_image

TOOL = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), 'tools', 'compare_instances.py')


def _mask(path, x1):
    mask = np.zeros((50, 50), np.uint8)
    mask[10:40, 10:x1] = 255
    write_image(path, mask)


def test_counts_instances_made_worse(tmp_path, run_tool):
    for name, truth, coarse, refined in (('a', 40, 38, 40), ('b', 40, 40,
                                                               30)):
        _mask(tmp_path / 'masks' / f'{name}.png', truth)
        _mask(tmp_path / 'coarse' / f'{name}.png', coarse)
        _mask(tmp_path / 'refined' / f'{name}.png', refined)
    code, cap = run_tool(tmp_path, tmp_path / 'coarse', tmp_path / 'refined')
    assert code == 0, cap.err
    last = cap.out.strip().splitlines()[-1]
    # a: 93.33 -> 100; b: 100 -> 66.67
    assert last.startswith('2 instances: mean IoU 96.67 -> 83.33')
    assert last.endswith('1 worse by more than 0.5 IoU')
    (tmp_path / 'refined' / 'b.png').unlink()
    code, cap = run_tool(tmp_path, tmp_path / 'coarse', tmp_path / 'refined')
    assert code == 1 and cap.err.startswith('error: ') and 'b.png' in cap.err


def test_draws_the_instance_that_lost_most(tmp_path, run_tool):
    for name, coarse, refined in (('a', 38, 40), ('b', 40, 30)):
        _mask(tmp_path / 'masks' / f'{name}.png', 40)
        _mask(tmp_path / 'coarse' / f'{name}.png', coarse)
        _mask(tmp_path / 'refined' / f'{name}.png', refined)
    write_image(tmp_path / 'images' / 'b.jpg',
                np.full((50, 50, 3), 90, np.uint8))
    picture = tmp_path / 'worst.png'
    code, cap = run_tool(tmp_path, tmp_path / 'coarse', tmp_path / 'refined',
                         '--worst-picture', picture)
    assert code == 0, cap.err
    assert cap.out.strip().endswith(f'worst instance b -> {picture}')
    drawn = load_image(picture)
    assert drawn.ndim == 3 and drawn.shape[1] > 3 * drawn.shape[0] // 2
    # without the worst instance's image: one error line naming it
    (tmp_path / 'images' / 'b.jpg').unlink()
    code, cap = run_tool(tmp_path, tmp_path / 'coarse', tmp_path / 'refined',
                         '--worst-picture', tmp_path / 'w2.png')
    assert code == 1 and 'images/b.*' in cap.err
    assert not (tmp_path / 'w2.png').exists()
