"""tools/tune_acceptance.py on a tiny tuning folder with the embedded model."""
import os
import re
import runpy

import cv2
import numpy as np
import pytest

from segrefiner.io import write_image

TOOL = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), 'tools', 'tune_acceptance.py')


def _folder(root, num=3):
    rng = np.random.default_rng(0)
    for i in range(num):
        image = rng.integers(30, 80, (96, 128, 3), np.uint8)
        truth = np.zeros((96, 128), np.uint8)
        cv2.ellipse(truth, (64, 48), (30 + 4 * i, 22), 10 * i, 0, 360, 1, -1)
        image[truth > 0] = 200
        write_image(root / 'images' / f'{i}.png', image)
        write_image(root / 'masks' / f'{i}.png', truth * 255)
        write_image(root / 'coarse_morph' / f'{i}.png',
                    cv2.dilate(truth, np.ones((7, 7), np.uint8)) * 255)


def test_replays_the_grid_and_names_the_best_rule(tmp_path, run_tool):
    _folder(tmp_path)
    code, cap = run_tool('demo', 'demo', tmp_path, '--sources', 'morph')
    assert code == 0, cap.err
    best = cap.out.strip().splitlines()[-1]
    found = re.match(r'best: min_edge_ratio=(\S+) min_confidence=(\S+) '
                     r'min_shift=(\S+) \(mean IoU change ([-+.\d]+), (\d+) '
                     r'instances worse by > 0.5; the model alone: ([-+.\d]+), '
                     r'(\d+)\)', best)
    assert found, best
    # the best rule is no worse than the model alone on its own criterion
    assert int(found[5]) <= int(found[7])
    assert float(found[4]) >= float(found[6]) - 0.1
    assert 'of 3' in cap.out  # three instances scored per source


def test_a_missing_coarse_folder_is_an_error(tmp_path, run_tool):
    _folder(tmp_path)
    code, cap = run_tool('demo', 'demo', tmp_path, '--sources', 'official')
    assert code == 1 and cap.err.startswith('error: ')
    assert 'coarse_official' in cap.err and 'no such file' in cap.err


def test_keep_ranks_for_repair():
    """``--keep official=0.9``: only rules keeping 90% of the repair are
    eligible, and the fewest worse on the other sources wins."""
    tool = runpy.run_path(TOOL)
    eligible = tool['_eligible']

    def row(name, head, official):
        return tool['Row']((name, None, None), (head[0] + official[0]) / 2,
                           dict(mask_head=head + (239, ),
                                official=official + (232, )))

    alone = row('alone', (+0.5, 26), (+9.0, 3))
    gentle = row('gentle', (+0.4, 20), (+8.9, 3))
    strict = row('strict', (0.0, 2), (+8.5, 1))
    too_strict = row('too strict', (0.0, 0), (+5.0, 0))
    rows = [alone, gentle, strict, too_strict]
    assert eligible(rows, ('official', 0.9))[0] is strict
    assert too_strict not in eligible(rows, ('official', 0.9))
    # the default criterion: within 0.1 of the model alone's mean
    assert eligible(rows, None)[0] is gentle


@pytest.mark.parametrize('keep', ['official', 'official=x', 'morph=0.9'])
def test_keep_must_name_a_source_and_a_fraction(tmp_path, run_tool, keep):
    _folder(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        run_tool('demo', 'demo', tmp_path, '--sources', 'official',
                 '--keep', keep)
    assert exit_.value.code == 2
