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
"""
import argparse
import os
import os.path as osp
import warnings

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from segrefiner.apis.cli import add_seed_arg, add_trust_arg
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
                        help='resume from the latest checkpoint of work-dir')
    add_trust_arg(parser, 'load_from/resume checkpoints')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. train_cfg.max_iters=10')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


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


def main() -> None:
    args = parse_args()
    use_safe_checkpoint_loader(trust=args.trust_checkpoint)
    cfg = Config.fromfile(config_path(args.config))
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
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
    cfg.resume = args.resume
    Runner.from_cfg(cfg).train()


if __name__ == '__main__':
    main()
