"""Train a SegRefiner with mmengine's Runner.

Usage::

    python tools/train.py configs/segrefiner/segrefiner_demo.py [--amp]
        [--work-dir DIR] [--seed N] [--resume] [--trust-checkpoint]
        [--cfg-options k=v ...]
    torchrun --nproc_per_node N tools/train.py CONFIG --launcher pytorch

``CONFIG`` may be a package config by name,
``segrefiner::segrefiner/segrefiner_demo.py``, from any directory.
``bash tools/dist_train.sh CONFIG N`` wraps the torchrun form. ``load_from``
and ``--resume`` read checkpoints as data (``segrefiner.checkpoints``);
``--trust-checkpoint`` unpickles them without restrictions (trusted files).
Missing training data (a dataset's ``data_root``) or a missing ``load_from``
file is one ``error:`` line saying how to make or name it, before anything
is built; exit status 1.
"""
import argparse
import os
import os.path as osp
import sys
import warnings
from typing import Iterator

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner, find_latest_checkpoint

from segrefiner.batch.cli import add_seed_arg, add_trust_arg
from segrefiner.model_zoo import NAMED_MODELS
from segrefiner.models import native_bf16
from segrefiner.registry import config_path
from segrefiner.checkpoints import use_safe_checkpoint_loader


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a SegRefiner')
    parser.add_argument('config', help='training config file, or '
                        'segrefiner::NAME for a config of the package')
    parser.add_argument('--work-dir', '--out-dir', '--out', dest='work_dir',
                        help='where logs and checkpoints go')
    add_seed_arg(parser, default=None,
                 help="training seed (the config's randomness.seed)")
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision: bf16 autocast on CPU, fp16 '
                        'with dynamic loss scaling on CUDA')
    parser.add_argument('--resume', action='store_true',
                        help='resume from the latest checkpoint of work-dir '
                        '(none there: start from load_from)')
    add_trust_arg(parser, 'load_from/resume checkpoints')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. train_cfg.max_iters=10')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


#: How to make the training data of the package's CPU configs (README,
#: Models); other data: the README's Training section has the layouts.
MAKE_DATA = {
    'data/demo_train': 'python tools/gen_composites.py data/demo_train '
    '--num 1200 --seed 0 --size 320 320',
    'data/real_train': 'python tools/gen_real_data.py data/real_train '
    '--split train --num 500 --workers 2',
}


def data_roots(dataset) -> Iterator[str]:
    """Every ``data_root`` of a dataset config and the datasets it wraps
    (``ConcatDataset``'s ``datasets``, a wrapper's ``dataset``)."""
    if not isinstance(dataset, dict):
        return
    if dataset.get('data_root'):
        yield dataset['data_root']
    for inner in dataset.get('datasets') or []:
        yield from data_roots(inner)
    yield from data_roots(dataset.get('dataset'))


def check_inputs(cfg: Config) -> None:
    """Refuse a config whose training data or ``load_from`` file is missing.

    Raises:
        FileNotFoundError: Naming the folder or file and how to make it.
    """
    for root in data_roots(cfg.get('train_dataloader', {}).get('dataset')):
        if not osp.isdir(root):
            how = MAKE_DATA.get(osp.normpath(root))
            raise FileNotFoundError(
                f'training data {root}: no such folder: ' +
                (f'make it with: {how}' if how else 'see the README '
                 '(Training) for its layout, or point the config at your '
                 'data: --cfg-options train_dataloader.dataset.data_root=DIR'))
    load_from = cfg.get('load_from')
    if (load_from and load_from not in NAMED_MODELS and '://' not in load_from
            and not osp.isfile(load_from)):
        raise FileNotFoundError(
            f'load_from {load_from}: no such file: train the config it '
            'starts from first (README: Models), or name the weights with '
            '--cfg-options load_from=FILE (load_from=None: from scratch)')


def resume_or_start(cfg: Config) -> None:
    """``--resume``: go on from the latest checkpoint of ``cfg.work_dir``.

    mmengine's Runner, given ``resume=True`` and a ``load_from``, resumes
    from ``load_from`` itself: with a config that starts from other weights
    (a weights-only file has no optimizer, scheduler or iteration) that fails
    or restarts the schedule. As in mmdet's ``--resume auto``, the work dir's
    latest checkpoint (its ``last_checkpoint`` file) wins; where the work dir
    has none, training starts afresh from ``load_from``.
    """
    latest = find_latest_checkpoint(cfg.work_dir)
    if latest is None:
        print(f'--resume: no checkpoint in {cfg.work_dir}: starting from '
              f'load_from={cfg.get("load_from")}', file=sys.stderr)
        cfg.resume = False
    else:
        cfg.load_from, cfg.resume = latest, True


def init_cpu_distributed(cfg: Config) -> None:
    """DDP over CPU processes (gloo), e.g. ``dist_train.sh`` without GPUs.

    mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device``
    unconditionally and its DDP wrapper passes ``device_ids``, both of which
    fail without CUDA; the process group is therefore created here (the
    Runner then skips its own) and the wrapper gets ``device_ids=None``.
    """
    torch.distributed.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def main() -> int:
    args = parse_args()
    use_safe_checkpoint_loader(trust=args.trust_checkpoint)
    try:
        path = config_path(args.config)
        if not osp.isfile(path):
            raise FileNotFoundError(f'config not found: {path} (paths are '
                                    'relative to where you run; the '
                                    "package's configs: segrefiner::NAME)")
        cfg = Config.fromfile(path)
        cfg.launcher = args.launcher
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        check_inputs(cfg)
    except FileNotFoundError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp and not torch.cuda.is_available() and not native_bf16('cpu'):
        warnings.warn('--amp: this CPU has no native bf16 (no AMX or '
                      'AVX512-BF16); emulated bf16 training is many times '
                      'slower than fp32 here')
    if args.amp:  # bf16 autocast on CPU, fp16 + loss scaling on CUDA
        cfg.optim_wrapper.type = ('AmpOptimWrapper' if torch.cuda.is_available()
                                  else 'AutocastOptimWrapper')
    if args.launcher != 'none' and not torch.cuda.is_available():
        init_cpu_distributed(cfg)
    if args.seed is not None:
        cfg.randomness = dict(cfg.get('randomness') or {}, seed=args.seed)
    if args.resume:
        resume_or_start(cfg)
    Runner.from_cfg(cfg).train()
    return 0


if __name__ == '__main__':
    sys.exit(main())
