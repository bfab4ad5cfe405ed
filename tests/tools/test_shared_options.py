"""The tools as one family: the same options, spelt and checked alike.

Every tool's ``--help`` carries the shared vocabulary of
:mod:`segrefiner.batch.cli`, and a device this machine lacks is one
``error:`` line, not a traceback. The tools run in this process.
"""
import os
import runpy
import sys

import pytest
import torch

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = {
    name: os.path.join(ROOT, path)
    for name, path in [('demo', 'demo/demo.py'), ('refine', 'tools/refine.py'),
                       ('test', 'tools/test.py'), ('train', 'tools/train.py'),
                       ('benchmark', 'tools/benchmark.py'),
                       ('gen_composites', 'tools/gen_composites.py'),
                       ('gen_coarse_masks', 'tools/gen_coarse_masks.py'),
                       ('gen_real_data', 'tools/gen_real_data.py')]
}
#: What the data tools share.
DATA_TOOL = ['--seed', '--out', '--out-dir', '--no-progress', '--workers']
#: The shared options each tool must offer.
SHARED = {
    'demo': ['--config', '--checkpoint', '--device', '--mode', '--seed',
             '--seeds', '--out', '--out-dir', '--steps', '--early-exit'],
    'refine': ['--config', '--checkpoint', '--device', '--mode', '--seed',
               '--seeds', '--out', '--out-dir', '--no-progress', '--resume',
               '--launcher', '--workers', '--img-dir', '--mask-dir',
               '--steps', '--early-exit'],
    'test': ['--device', '--mode', '--seed', '--seeds', '--out', '--out-dir',
             '--no-progress', '--launcher', '--workers', '--steps',
             '--early-exit'],
    'train': ['--seed', '--seeds', '--out', '--out-dir', '--work-dir',
              '--resume', '--launcher'],
    'benchmark': ['--device'],
    'gen_composites': DATA_TOOL,
    'gen_coarse_masks': DATA_TOOL,
    'gen_real_data': DATA_TOOL,
}
TINY = os.path.join(ROOT, 'configs', 'segrefiner', 'segrefiner_tiny.py')


def run(tool, args, monkeypatch, capsys):
    """``main()`` of ``tool`` with ``args`` as its command line."""
    monkeypatch.setattr(sys, 'argv', [TOOLS[tool], *map(str, args)])
    # as Python runs a script: its folder first on sys.path (siblings import)
    monkeypatch.syspath_prepend(os.path.dirname(TOOLS[tool]))
    try:
        code = runpy.run_path(TOOLS[tool])['main']()
    except SystemExit as exit:
        code = exit.code
    return code, capsys.readouterr()


@pytest.mark.parametrize('tool', sorted(TOOLS))
def test_help_carries_the_shared_options(tool, monkeypatch, capsys):
    code, io = run(tool, ['--help'], monkeypatch, capsys)
    assert code == 0
    options = set(io.out.replace(',', ' ').split())
    missing = [name for name in SHARED[tool] if name not in options]
    assert not missing, f'{tool} --help lacks {missing}'


def test_seed_and_out_are_spelt_both_ways(monkeypatch):
    test_tool = runpy.run_path(TOOLS['test'])
    common = [TINY, 'random', '--dataset', 'big', '--data-root', 'x']
    args = test_tool['parse_args'](common + ['--seed', '3', '--out', 'o'])
    assert args.seeds == [3] and args.out == 'o'
    args = test_tool['parse_args'](common + ['--seeds', '1', '2',
                                             '--out-dir', 'o'])
    assert args.seeds == [1, 2] and args.out == 'o'
    refine_tool = runpy.run_path(TOOLS['refine'])
    args = refine_tool['parse_args'](['im', 'masks', '--seeds', '4',
                                      '--out-dir', 'o'])
    assert args.seed == 4 and args.out == 'o'


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs no CUDA')
@pytest.mark.parametrize('tool', ['demo', 'refine', 'test', 'benchmark'])
def test_cuda_without_cuda_is_one_error_line(tool, tmp_path, monkeypatch,
                                             capsys):
    (tmp_path / 'im').mkdir(), (tmp_path / 'masks').mkdir()
    args = dict(
        demo=[],
        refine=[tmp_path / 'im', tmp_path / 'masks', '--out', tmp_path / 'o'],
        test=[TINY, 'random', '--dataset', 'folder', '--data-root', tmp_path],
        benchmark=[])[tool]
    code, io = run(tool, [*args, '--device', 'cuda'], monkeypatch, capsys)
    assert code == 1
    lines = io.err.strip().splitlines()
    assert lines[-1].startswith('error: --device cuda: CUDA is not '
                                'available'), io.err
    assert [line for line in lines if 'Traceback' in line] == []
    assert 'use --device cpu' in lines[-1]
