"""tools/train.py and tools/dist_train.sh on a generated tiny folder."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from segrefiner.datagen import generate_composites

TINY_TRAIN = dict(options=[
        'model.test_cfg.model_size=32', 'train_dataloader.batch_size=2',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.dataset.pipeline.3.size=32', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=1000', 'randomness.seed=0',
        'log_processor.window_size=1'
])


@pytest.fixture(scope='module')
def composites(tmp_path_factory):
    root = tmp_path_factory.mktemp('composites')
    for _ in generate_composites(root, 6, seed=0, size=(64, 64)):
        pass
    return root


def run_train(repo_root, tiny_config_path, work_dir, data_root, iters,
              extra=(), launcher=None):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    options = TINY_TRAIN['options'] + [
        f'train_cfg.max_iters={iters}',
        f'train_dataloader.dataset.data_root={data_root}',
        'param_scheduler.0.end=2', 'param_scheduler.1.begin=2',
        f'param_scheduler.1.end={iters}', *extra
    ]
    cmd = ([sys.executable, f'{repo_root}/tools/train.py'] if launcher is None
           else launcher) + [
               tiny_config_path, '--work-dir',
               str(work_dir), '--cfg-options', *options
           ]
    if launcher is not None:
        cmd.insert(len(launcher) + 1, '--launcher')
        cmd.insert(len(launcher) + 2, 'pytorch')
    return subprocess.run(cmd, capture_output=True, text=True, env=env,
                          cwd=repo_root, timeout=600)


def losses(log: str):
    return [float(line.split(' loss: ')[1].split()[0])
            for line in log.splitlines() if 'Iter(train)' in line]


def test_short_training_lowers_the_loss(repo_root, composites, tmp_path):
    config = f'{repo_root}/configs/segrefiner/segrefiner_demo_composites.py'
    run = run_train(repo_root, config, tmp_path, composites, 40,
                    ['optim_wrapper.optimizer.lr=0.002'])
    assert run.returncode == 0, run.stderr[-3000:]
    seen = losses(run.stdout + run.stderr)
    assert len(seen) == 40
    assert np.mean(seen[-8:]) < np.mean(seen[:8])
    assert (tmp_path / 'iter_40.pth').exists()
    # the trained weights load through the public API
    from segrefiner.apis import init_refiner
    model = init_refiner(config, str(tmp_path / 'iter_40.pth'))
    assert model.test_cfg['model_size'] == 128


DUMP_HOOK = textwrap.dedent('''
    import sys, torch
    import torch.distributed as dist
    from mmengine.hooks import Hook
    from mmengine.registry import HOOKS

    @HOOKS.register_module()
    class DumpWeightsHook(Hook):
        def after_train(self, runner):
            model = runner.model.module if hasattr(runner.model, 'module') \\
                else runner.model
            torch.save(model.state_dict(),
                       f'{runner.work_dir}/rank{dist.get_rank()}.pth')
''')


def test_two_process_ddp_ends_with_identical_weights(repo_root, composites,
                                                     tmp_path):
    (tmp_path / 'dump_hook.py').write_text(DUMP_HOOK)
    config = tmp_path / 'ddp.py'
    config.write_text(textwrap.dedent(f'''
        _base_ = ['{repo_root}/configs/segrefiner/segrefiner_demo_composites.py']
        custom_imports = dict(imports=['segrefiner', 'dump_hook'],
                              allow_failed_imports=False)
        custom_hooks = [dict(type='DumpWeightsHook')]
    '''))
    launcher = [
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        '--master_port=29517', f'{repo_root}/tools/train.py'
    ]
    old_path = os.environ.get('PYTHONPATH')
    os.environ['PYTHONPATH'] = os.pathsep.join(
        p for p in (str(tmp_path), old_path) if p)
    try:
        run = run_train(repo_root, str(config), tmp_path / 'wd', composites,
                        4, launcher=launcher)
    finally:
        if old_path is None:
            os.environ.pop('PYTHONPATH')
        else:
            os.environ['PYTHONPATH'] = old_path
    assert run.returncode == 0, run.stderr[-3000:]
    rank0 = torch.load(tmp_path / 'wd' / 'rank0.pth', weights_only=True)
    rank1 = torch.load(tmp_path / 'wd' / 'rank1.pth', weights_only=True)
    assert rank0.keys() == rank1.keys()
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0)
    saved = torch.load(tmp_path / 'wd' / 'iter_4.pth', weights_only=False)
    assert all(torch.equal(saved['state_dict'][k], rank0[k]) for k in rank0)



def tiny_training_config(tmp_path, repo_root, data_root) -> str:
    """The tiny config (segrefiner_tiny.py) on the generated composites."""
    config = tmp_path / 'tiny_train.py'
    config.write_text(textwrap.dedent(f'''
        _base_ = ['{repo_root}/configs/segrefiner/segrefiner_tiny.py']
        model = dict(test_cfg=dict(model_size=32))
        train_dataloader = dict(
            batch_size=2, num_workers=0, persistent_workers=False,
            dataset=dict(
                _delete_=True, type='RefineFolderDataset',
                data_root='{data_root}',
                data_prefix=dict(img_path='images', gt_path='masks'),
                pipeline=[
                    dict(type='LoadRefinerData'),
                    dict(type='GenerateCoarseMask', iou_target=0.8),
                    dict(type='ObjectCrop', pad=40),
                    dict(type='ResizeTo', size=32),
                    dict(type='PackRefinerInputs')]))
        param_scheduler = [dict(type='ConstantLR', factor=1.0,
                                by_epoch=False)]
        default_hooks = dict(logger=dict(interval=1),
                             checkpoint=dict(interval=2))
    '''))
    return str(config)


def train_tiny(repo_root, config, work_dir, iters, *extra):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run([
        sys.executable, f'{repo_root}/tools/train.py', config, '--work-dir',
        str(work_dir), '--cfg-options', f'train_cfg.max_iters={iters}', *extra
    ], capture_output=True, text=True, env=env, cwd=repo_root, timeout=600)


def test_a_checkpoint_hook_file_loads_for_inference_and_resumes(
        repo_root, composites, tmp_path):
    config = tiny_training_config(tmp_path, repo_root, composites)
    run = train_tiny(repo_root, config, tmp_path / 'wd', 2)
    assert run.returncode == 0, run.stderr[-3000:]
    path = tmp_path / 'wd' / 'iter_2.pth'
    # a full mmengine checkpoint: optimizer, message_hub, numpy in meta
    with pytest.raises(Exception, match='Weights only load failed'):
        torch.load(path, weights_only=True)
    from segrefiner.apis import init_refiner
    model = init_refiner(config, str(path))
    saved = torch.load(path, weights_only=False)['state_dict']
    for key, value in model.state_dict().items():
        assert torch.equal(value, saved[key]), key
    # meta['config'] is Python that Runner.resume would run
    # (Config.fromstring): the file stays pure data, the source never runs
    marker = tmp_path / 'ran'
    full = torch.load(path, weights_only=False)
    full['meta']['config'] = f"import os\nos.system('touch {marker}')\n"
    torch.save(full, path)
    run = train_tiny(repo_root, config, tmp_path / 'wd', 3, '--resume')
    assert run.returncode == 0, run.stderr[-3000:]
    log = run.stdout + run.stderr
    assert 'local_as_data backend' in log and 'resumed epoch: 0, iter: 2' in log
    assert (tmp_path / 'wd' / 'iter_3.pth').exists()
    assert not marker.exists()


def test_resume_goes_on_from_the_work_dir_not_from_load_from(
        repo_root, composites, tmp_path):
    # a config that starts from plain weights (no optimizer, no iteration):
    # mmengine alone would "resume" from that file and fail
    config = tiny_training_config(tmp_path, repo_root, composites)
    init = tmp_path / 'init.pth'
    from segrefiner.apis import init_refiner
    torch.save(init_refiner(config, 'random').state_dict(), init)
    work_dir = tmp_path / 'wd'
    run = train_tiny(repo_root, config, work_dir, 1, f'load_from={init}',
                     '--resume')  # nothing to resume yet: from load_from
    assert run.returncode == 0, run.stderr[-3000:]
    log = run.stdout + run.stderr
    assert f'no checkpoint in {work_dir}: starting from' in log
    assert f'Load checkpoint from {init}' in log
    assert 'resumed epoch' not in log
    run = train_tiny(repo_root, config, work_dir, 2, f'load_from={init}')
    assert run.returncode == 0, run.stderr[-3000:]
    run = train_tiny(repo_root, config, work_dir, 3, f'load_from={init}',
                     '--resume')
    assert run.returncode == 0, run.stderr[-3000:]
    log = run.stdout + run.stderr
    assert f'Load checkpoint from {work_dir / "iter_2.pth"}' in log
    assert 'resumed epoch: 0, iter: 2' in log
    assert (work_dir / 'iter_3.pth').exists()


def test_training_refuses_a_malicious_load_from_and_resume(
        repo_root, composites, tmp_path, malicious_checkpoint):
    evil, marker = malicious_checkpoint
    config = tiny_training_config(tmp_path, repo_root, composites)
    run = train_tiny(repo_root, config, tmp_path / 'wd', 1,
                     f'load_from={evil}')
    assert run.returncode != 0
    assert 'refused to load' in run.stderr and "'io.open'" in run.stderr
    work_dir = tmp_path / 'resume'
    work_dir.mkdir()
    (work_dir / 'last_checkpoint').write_text(str(evil))
    run = train_tiny(repo_root, config, work_dir, 1, '--resume')
    assert run.returncode != 0
    assert 'refused to load' in run.stderr and str(evil) in run.stderr
    assert not marker.exists()


def test_missing_data_or_load_from_is_one_error_line(repo_root, composites,
                                                     tmp_path):
    config = tiny_training_config(tmp_path, repo_root, composites)
    for option, says in (
            (f'train_dataloader.dataset.data_root={tmp_path / "none"}',
             f'training data {tmp_path / "none"}: no such folder'),
            (f'load_from={tmp_path / "stage1.pth"}',
             f'load_from {tmp_path / "stage1.pth"}: no such file')):
        run = train_tiny(repo_root, config, tmp_path / 'wd', 1, option)
        assert run.returncode == 1
        assert run.stderr.strip().splitlines() == [
            line for line in run.stderr.strip().splitlines()
            if line.startswith('error: ')] and says in run.stderr
        assert not (tmp_path / 'wd').exists()
    run = subprocess.run([  # from elsewhere: data/demo_train is missing
        sys.executable, f'{repo_root}/tools/train.py',
        'segrefiner::segrefiner/segrefiner_demo_composites.py'],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert run.returncode == 1
    assert run.stderr.startswith('error: training data data/demo_train: no '
                                 'such folder: make it with: python tools/'
                                 'gen_composites.py data/demo_train')
