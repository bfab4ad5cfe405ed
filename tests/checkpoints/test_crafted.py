"""Every crafted file of the issue, through every entry point: refused with
one line naming the file, and nothing happens (no file written, no
function changed, no crash, no hang). The loads run in a subprocess."""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from crafted import CRAFTED

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope='module')
def outcome(tmp_path_factory, tiny_config):
    root = tmp_path_factory.mktemp('crafted')
    (root / 'markers').mkdir()
    images = root / 'images'
    for folder in (images, root / 'masks'):
        folder.mkdir()
        cv2.imwrite(str(folder / 'a.png'), np.zeros((8, 8), np.uint8))
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join(
                   [os.path.dirname(os.path.dirname(HERE)),
                    os.environ.get('PYTHONPATH', '')]))
    run = subprocess.run(
        [sys.executable, os.path.join(HERE, 'run_crafted.py'), str(root),
         tiny_config, str(images)], capture_output=True, text=True, env=env,
        timeout=540, cwd=root / 'markers')  # where a .patch would land
    assert run.returncode == 0, run.stderr[-3000:]  # no crash
    return json.loads(run.stdout.strip().splitlines()[-1]), root


def test_nothing_happens(outcome):
    result, root = outcome
    assert result['markers'] == ['fifo']  # made by the builder, nothing else
    assert result['rebuild_unchanged']
    assert not list((root / 'files').glob('**/*.patch'))
    assert not (root / 'o').exists()


@pytest.mark.parametrize('name', sorted(CRAFTED))
def test_each_file_is_refused_naming_it(outcome, name):
    result, root = outcome
    words = CRAFTED[name][1]
    for entry, text in result['results'][name].items():
        assert text != 'LOADED', (name, entry)
        assert 'Timeout' not in text, (name, entry)
        assert str(root / 'files') in text, (name, entry, text)
        assert words in text, (name, entry, text)
        if entry == 'refine_tool':
            assert text.startswith('RuntimeError: exit 1: '), text
            lines = text[len('RuntimeError: exit 1: '):].strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith('error: '), text


def test_later_loads_are_unchanged(tmp_path):
    """A trusted, plain file loads the same after a refused BUILD."""
    import crafted
    from segrefiner.checkpoints import (UnsafeCheckpointError,
                                        load_checkpoint_file)
    (tmp_path / 'm').mkdir()
    evil = crafted.build_on_rebuild_function(tmp_path, tmp_path / 'm')
    with pytest.raises(UnsafeCheckpointError, match='build_defaults.pth'):
        load_checkpoint_file(evil)
    good = tmp_path / 'good.pth'
    torch.save({'w': torch.arange(3.)}, good)
    for trust in (False, True):
        assert torch.equal(load_checkpoint_file(good, trust)['w'],
                           torch.arange(3.))


def test_the_legacy_payload_is_real_when_trusted(tmp_path, monkeypatch):
    """What the reader refuses acts when loaded without restrictions: the
    legacy file writes a patch file where it is loaded."""
    import warnings

    import crafted
    from segrefiner.checkpoints import load_checkpoint_file
    (tmp_path / 'files').mkdir()
    path = crafted.legacy_module_patch(tmp_path / 'files', tmp_path)
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        load_checkpoint_file(path, trust_checkpoint=True)
    assert (tmp_path / 'Patched.patch').exists()
