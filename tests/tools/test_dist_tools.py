"""tools/refine.py and tools/test.py on two gloo ranks started by torchrun.

Each run is compared with the one-process run of the same command: the
outputs (files, pickles, metric tables) must be identical, whatever the
number of ranks. Both sides run single-threaded, as CI's CPUs do.
"""
import json
import os
import pickle
import socket
import subprocess
import sys

import cv2
import numpy as np
import pytest

from refine_scenes import ROOT, TINY, ellipse, photo
from sam_layouts import sam_records, write_png_layout, write_rle_layout
from test_refine_tool_result_files import (decode, mmdet_results,
                                           write_instance_scene)
from test_test_tool import TINY as TEST_TINY
from test_test_tool import folder_layout
from segrefiner.io import write_image

ENV = dict(os.environ, OMP_NUM_THREADS='1')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def run(args, ranks=1, script=None, timeout=240):
    """The tool in one process or under torchrun with ``ranks`` ranks."""
    if ranks == 1:
        command = [sys.executable, *args]
    else:
        command = [
            sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
            str(ranks), '--master_port', str(free_port()), *args,
            '--launcher', 'pytorch'
        ]
    return subprocess.run([str(a) for a in command], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env=ENV)


def mask_folder(root, count=5):
    """Images and coarse masks (one grown ellipse each) of ``count`` scenes."""
    for folder in ('im', 'masks'):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        shape = (64 + 8 * i, 96)
        cv2.imwrite(str(root / 'im' / f'{i}.jpg'), photo(ellipse(shape), i))
        cv2.imwrite(str(root / 'masks' / f'{i}.png'), ellipse(shape, grow=5))


def files_of(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_mask_folder_on_two_ranks_equals_one_process(tmp_path):
    mask_folder(tmp_path)
    refine = [os.path.join('tools', 'refine.py'), tmp_path / 'im']
    one = run(refine + [tmp_path / 'masks', '--out', tmp_path / 'one',
                        *TINY, '--no-progress'])
    assert one.returncode == 0, one.stderr
    port = str(free_port())
    two = subprocess.run(
        ['bash', 'tools/dist_refine.sh', '2', '--img-dir', tmp_path / 'im',
         '--mask-dir', tmp_path / 'masks', '--out-dir', tmp_path / 'two',
         *TINY, '--no-progress'],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
        env=dict(ENV, PORT=port))
    assert two.returncode == 0, two.stderr
    assert files_of(tmp_path / 'two') == files_of(tmp_path / 'one')
    assert len(files_of(tmp_path / 'one')) == 5
    # rank 0 alone reports, for both ranks
    assert two.stdout.count('refined 5, passed through 0') == 1
    resumed = run(refine + [tmp_path / 'masks', '--out', tmp_path / 'two',
                            *TINY, '--no-progress', '--resume'], ranks=2)
    assert resumed.returncode == 0, resumed.stderr
    assert 'refined 0, passed through 0, skipped 5 (resume)' in resumed.stdout


def test_mmdet_pickle_on_two_ranks_equals_one_process(tmp_path):
    """With --batch-images 2: the groups are cut before sharding."""
    images = tmp_path / 'im'
    masks = write_instance_scene(images, ['a.jpg', 'b.jpg'])
    entries = mmdet_results(images, masks)
    entries.insert(1, dict(entries[0], img_id=9))  # a second refined image
    results = tmp_path / 'results.pkl'
    results.write_bytes(pickle.dumps(entries, protocol=2))
    refine = [os.path.join('tools', 'refine.py'), images, results, *TINY,
              '--no-progress', '--batch-images', '2']
    one = run(refine + ['--out', tmp_path / 'one.pkl'])
    two = run(refine + ['--out', tmp_path / 'two.pkl'], ranks=2)
    assert one.returncode == two.returncode == 1  # gone.jpg has no image
    assert 'gone.jpg' in two.stderr
    summary = [line.replace('two.pkl', 'one.pkl')
               for line in two.stdout.splitlines() if 'refined' in line]
    assert summary == [
        line for line in one.stdout.splitlines() if 'refined' in line
    ] != []
    refined = [pickle.loads((tmp_path / f'{n}.pkl').read_bytes())
               for n in ('one', 'two')]
    assert len(refined[1]) == len(entries)
    for a, b in zip(*refined):
        masks_a = [decode(m) for m in a['pred_instances']['masks']]
        masks_b = [decode(m) for m in b['pred_instances']['masks']]
        assert all(np.array_equal(x, y) for x, y in zip(masks_a, masks_b))
        assert a['img_id'] == b['img_id']
    assert not (tmp_path / '.two.pkl.partial').exists()


def test_sam_output_on_two_ranks_equals_one_process(tmp_path):
    """Both SAM layouts, --batch-images 2: the same files from 2 ranks."""
    from test_refine_tool_sam import scene
    for i, stem in enumerate('abc'):
        image, masks = scene(shift=4 * i)
        write_image(tmp_path / 'im' / f'{stem}.png', image)
        write = write_rle_layout if stem == 'b' else write_png_layout
        write(tmp_path / 'sam', stem, sam_records(
            masks, 'coco_rle' if stem == 'b' else 'binary_mask'))
    refine = [os.path.join('tools', 'refine.py'), tmp_path / 'im',
              tmp_path / 'sam', *TINY, '--no-progress', '--batch-images', '2']
    ran = run(refine + ['--out', tmp_path / 'one'])
    ranks = run(refine + ['--out', tmp_path / 'two'], ranks=2)
    assert ran.returncode == ranks.returncode == 0, ranks.stderr
    one, two = tmp_path / 'one', tmp_path / 'two'
    summary = ran.stdout.replace(str(one), 'OUT')
    assert ranks.stdout.replace(str(two), 'OUT') == summary
    assert summary.startswith('refined 3, passed through 0')
    assert sorted(os.listdir(one)) == sorted(os.listdir(two)) == [
        'a', 'b.json', 'c']
    assert files_of(one / 'a') == files_of(two / 'a')
    assert files_of(one / 'c') == files_of(two / 'c')
    assert (one / 'b.json').read_bytes() == (two / 'b.json').read_bytes()


def test_test_tool_metrics_on_two_ranks_equal_one_process(tmp_path):
    folder_layout(tmp_path / 'data', list('abcde'))
    test = [os.path.join('tools', 'test.py'), *TEST_TINY, '--dataset',
            'folder', '--data-root', tmp_path / 'data', '--seeds', '0', '1',
            '--no-progress']
    one = run(test + ['--json', tmp_path / 'one.json', '--out-dir',
                      tmp_path / 'one'])
    two = run(test + ['--json', tmp_path / 'two.json', '--out-dir',
                      tmp_path / 'two'], ranks=2)
    assert one.returncode == two.returncode == 0, two.stderr
    a, b = (json.loads((tmp_path / f'{n}.json').read_text())
            for n in ('one', 'two'))
    assert a == b and a['groups']['data']['images'] == 5
    assert files_of(tmp_path / 'two') == files_of(tmp_path / 'one')
    assert two.stdout.count('mean ± std over 2 seeds') == 1


def test_a_failing_rank_fails_the_run_with_its_error(tmp_path):
    mask_folder(tmp_path, count=4)
    crash = tmp_path / 'crash.py'
    crash.write_text(
        'import os, runpy, sys\n'
        'from segrefiner.apis.predictor import SegRefinerPredictor\n'
        'def broken(self, *args, **kwargs):\n'
        "    if os.environ['RANK'] == '1':\n"
        "        raise RuntimeError('rank one ran out of memory')\n"
        '    return original(self, *args, **kwargs)\n'
        'original = SegRefinerPredictor.refine_together\n'
        'SegRefinerPredictor.refine_together = broken\n'
        f"sys.argv[0] = {os.path.join(ROOT, 'tools', 'refine.py')!r}\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n")
    result = run([crash, tmp_path / 'im', tmp_path / 'masks', '--out',
                  tmp_path / 'out', *TINY, '--no-progress'], ranks=2,
                 timeout=180)
    assert result.returncode != 0
    assert ('error: rank 1 of 2: rank one ran out of memory'
            in result.stderr.splitlines())
    assert 'refined' not in result.stdout  # no summary of a partial run


@pytest.mark.parametrize('tool', ['refine.py', 'test.py'])
def test_pytorch_launcher_without_torchrun_is_one_line(tool, tmp_path):
    env = {k: v for k, v in ENV.items() if k not in ('RANK', 'WORLD_SIZE')}
    args = ([tmp_path, tmp_path / 'm', '--out', tmp_path / 'o']
            if tool == 'refine.py' else
            [*TEST_TINY, '--dataset', 'folder', '--data-root', tmp_path])
    (tmp_path / 'm').mkdir()
    result = subprocess.run(
        [sys.executable, os.path.join('tools', tool), *map(str, args),
         '--launcher', 'pytorch'], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        'error: --launcher pytorch: no RANK in the environment; start the '
        'tool with torchrun --nproc_per_node N')
