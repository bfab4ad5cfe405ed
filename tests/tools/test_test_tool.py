"""tools/test.py: refine a dataset, write the masks, report coarse vs refined.

The tiny config at ``model_size=64`` with random weights keeps runs short.
Torch runs single-threaded here: on 2 cores shared with another busy process,
two OpenMP threads make these small convolutions ~30x slower.
"""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from segrefiner.evaluation import boundary_accuracy, intersection_union

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, 'tools', 'test.py')
TINY = [
    'configs/segrefiner/segrefiner_tiny.py', 'random', '--cfg-options',
    'model.test_cfg.model_size=64'
]


def blob(rng, shape, grow=0):
    """A 0/255 ellipse mask, larger by ``grow`` px."""
    mask = np.zeros(shape, np.uint8)
    height, width = shape
    centre = (width // 2 + int(rng.integers(-5, 6)), height // 2)
    cv2.ellipse(mask, centre, (width // 4 + grow, height // 4 + grow), 0, 0,
                360, 255, -1)
    return mask


def write_samples(paths, shape=(96, 128), seed=0, coarse_is_gt=False):
    """Write (image, GT, coarse) for each ``(img, gt, coarse)`` path triple."""
    rng = np.random.default_rng(seed)
    for img, gt, coarse in paths:
        for path in (img, gt, coarse):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        gt_mask = blob(rng, shape)
        image = np.where(gt_mask[..., None] > 0, 200, 40).astype(np.uint8)
        image = image + rng.integers(0, 30, shape + (3, ), dtype=np.uint8)
        cv2.imwrite(str(img), image)
        cv2.imwrite(str(gt), gt_mask)
        cv2.imwrite(str(coarse),
                    gt_mask if coarse_is_gt else blob(rng, shape, grow=6))


def folder_layout(root, names, **kwargs):
    write_samples([(root / 'images' / f'{n}.jpg', root / 'masks' / f'{n}.png',
                    root / 'coarse' / f'{n}.png') for n in names], **kwargs)


def test_big_two_seeds_as_a_subprocess(tmp_path):
    data, out = tmp_path / 'deeplab', tmp_path / 'out'
    names = ['a', 'b', 'c']
    write_samples([(data / f'{n}_im.jpg', data / f'{n}_gt.png',
                    data / f'{n}_seg.png') for n in names])
    inputs = {p.name: p.read_bytes() for p in data.iterdir()}
    result = subprocess.run([
        sys.executable, TOOL, TINY[0], 'none', *TINY[2:], '--dataset', 'big',
        '--data-root', data,
        '--out-dir', out, '--seeds', '0', '1', '--json', out / 'metrics.json'
    ],
                            cwd=ROOT,
                            capture_output=True,
                            text=True,
                            timeout=120,
                            env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr
    assert result.stderr.count('RandomWeightsWarning: ') == 1
    assert result.stderr.count("CHECKPOINT 'none' is deprecated: use "
                               "'random'") == 1  # the old spelling works
    assert 'mean ± std over 2 seeds' in result.stdout
    rows = [
        line.split() for line in result.stdout.splitlines()
        if ' ± ' in line and 'seeds' not in line
    ]
    assert [row[-5] for row in rows] == ['IoU', 'mBA', 'bIoU']
    assert rows[0][:2] == ['deeplab', '3']

    gts = [cv2.imread(str(data / f'{n}_gt.png'), 0) for n in names]
    coarse = [cv2.imread(str(data / f'{n}_seg.png'), 0) for n in names]
    inter, union = np.sum(
        [intersection_union(c, g) for c, g in zip(coarse, gts)], axis=0)
    expected_iou = 100 * inter / union
    expected_mba = 100 * np.mean(
        [boundary_accuracy(c, g) for c, g in zip(coarse, gts)])
    assert float(rows[0][-4]) == pytest.approx(expected_iou, abs=0.006)
    assert float(rows[1][-4]) == pytest.approx(expected_mba, abs=0.006)

    summary = json.loads((out / 'metrics.json').read_text())
    group = summary['groups']['deeplab']
    assert group['images'] == 3 and summary['seeds'] == [0, 1]
    assert group['coarse']['IoU'] == pytest.approx(expected_iou)
    iou = group['refined']['IoU']
    assert len(iou['per_seed']) == 2
    assert iou['mean'] == pytest.approx(np.mean(iou['per_seed']))
    assert iou['std'] == pytest.approx(np.std(iou['per_seed'], ddof=1))
    assert f"{iou['mean']:.2f} ± {iou['std']:.2f}" in result.stdout
    for name in names:
        refined = cv2.imread(str(out / f'{name}_refine.png'), 0)
        assert refined.shape == (96, 128)
        assert set(np.unique(refined)) <= {0, 255}
    assert {p.name: p.read_bytes() for p in data.iterdir()} == inputs


def test_gt_equal_to_coarse_scores_100(tmp_path, run_tool):
    folder_layout(tmp_path, ['a', 'b'], coarse_is_gt=True)
    code, _ = run_tool(*TINY, '--dataset', 'folder', '--data-root', tmp_path,
                       '--mode', 'lr', '--json', tmp_path / 'm.json')
    assert code == 0
    coarse = json.loads(
        (tmp_path / 'm.json').read_text())['groups'][tmp_path.name]['coarse']
    assert coarse == dict(IoU=100.0, mBA=100.0, bIoU=100.0)
    assert json.loads((tmp_path / 'm.json').read_text())['mode'] == 'lr'


@pytest.mark.parametrize('dataset,mode', [('big', 'hr'), ('dis', 'hr'),
                                          ('folder', 'auto')])
def test_the_default_mode_follows_the_data(dataset, mode):
    import runpy
    parse_args = runpy.run_path(TOOL)['parse_args']
    args = parse_args([*TINY, '--dataset', dataset, '--data-root', 'x'])
    assert args.mode == mode
    args = parse_args([*TINY, '--dataset', dataset, '--data-root', 'x',
                       '--mode', 'lr'])
    assert args.mode == 'lr'


def test_bad_input_is_named_and_the_rest_goes_on(tmp_path, run_tool):
    folder_layout(tmp_path, ['a', 'b', 'c'], shape=(48, 64))
    (tmp_path / 'images' / 'b.jpg').write_bytes(b'not a jpeg')
    out = tmp_path / 'out'
    code, output = run_tool(*TINY, '--dataset', 'folder', '--data-root',
                            tmp_path, '--out-dir', out)
    assert code == 1
    errors = [line for line in output.err.splitlines() if 'error' in line]
    assert len(errors) == 1 and str(tmp_path / 'images' / 'b.jpg') in errors[0]
    assert sorted(p.name for p in out.iterdir()) == ['a.png', 'c.png']
    assert '1 of 3 samples failed' in output.err
    assert f'folder {tmp_path}: mode auto, seeds 0' in output.out


def test_never_overwrites_inputs(tmp_path, run_tool):
    folder_layout(tmp_path, ['a'], shape=(48, 64))
    before = (tmp_path / 'coarse' / 'a.png').read_bytes()
    code, output = run_tool(*TINY, '--dataset', 'folder', '--data-root',
                            tmp_path, '--out-dir', tmp_path / 'coarse')
    assert code == 1 and 'refusing to overwrite an input' in output.err
    assert (tmp_path / 'coarse' / 'a.png').read_bytes() == before


def test_dis_subsets_are_scored_and_written_apart(tmp_path, run_tool):
    data = tmp_path / 'dis'
    write_samples([(data / s / 'im' / f'{s}.jpg', data / s / 'gt' / f'{s}.png',
                    data / 'coarse' / 'isnet' / s / f'{s}.png')
                   for s in ('DIS-VD', 'DIS-TE1')],
                  shape=(48, 64))
    out = tmp_path / 'out'
    code, output = run_tool(*TINY, '--dataset', 'dis', '--data-root', data,
                            '--coarse-root', data / 'coarse' / 'isnet',
                            '--subsets', 'DIS-VD', 'DIS-TE1', '--out-dir', out)
    assert code == 0, output.err
    assert [
        line.split()[0] for line in output.out.splitlines()
        if line.startswith('DIS-')
    ] == ['DIS-VD', 'DIS-TE1']
    assert f'dis {data}: mode hr, seeds 0' in output.out
    assert (out / 'DIS-VD' / 'DIS-VD.png').is_file()
    assert (out / 'DIS-TE1' / 'DIS-TE1.png').is_file()


def test_missing_data_root_is_one_line(tmp_path, run_tool):
    code, output = run_tool(*TINY, '--dataset', 'big', '--data-root',
                            tmp_path / 'nowhere')
    assert code == 1
    assert output.err.strip() == f'error: {tmp_path / "nowhere"}: no such ' \
        'folder'


def test_a_malicious_checkpoint_is_refused(tmp_path, run_tool,
                                           malicious_checkpoint):
    evil, marker = malicious_checkpoint
    code, output = run_tool(TINY[0], evil, '--dataset', 'folder',
                            '--data-root', tmp_path)
    assert code == 1
    assert 'refused to load' in output.err and str(evil) in output.err
    assert not marker.exists()
