"""tools/gen_composites.py and tools/gen_coarse_masks.py, run in-process."""
import os
import runpy

import pytest

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tool(name):
    return runpy.run_path(os.path.join(ROOT, 'tools', name))['main']


def test_composites_then_coarse_masks(tmp_path, capsys):
    gen_composites = tool('gen_composites.py')
    assert gen_composites(
        [str(tmp_path), '--num', '3', '--seed', '2', '--size', '40',
         '56']) == 0
    assert sorted(p.name for p in (tmp_path / 'images').iterdir()) == [
        '000000.jpg', '000001.jpg', '000002.jpg'
    ]
    gen_coarse = tool('gen_coarse_masks.py')
    assert gen_coarse(
        [str(tmp_path / 'masks'),
         str(tmp_path), '--workers', '2']) == 0
    assert len(list((tmp_path / 'coarse_expand').iterdir())) == 3
    (tmp_path / 'masks' / 'broken.png').write_bytes(b'')
    assert gen_coarse([str(tmp_path / 'masks'), str(tmp_path)]) == 1
    assert 'broken.png' in capsys.readouterr().err


def test_bad_arguments_exit_with_usage():
    with pytest.raises(SystemExit):
        tool('gen_composites.py')(['out'])  # --num is required
