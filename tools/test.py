"""Evaluate a refiner on BIG, DIS5K or a folder: coarse vs refined metrics.

Usage::

    python tools/test.py configs/segrefiner/segrefiner_hr.py \
        segrefiner_hr_latest.pth --dataset big \
        --data-root data/big/coarse/deeplab --out-dir work_dirs/big \
        --seeds 0 1 2 [--json big.json]
    python tools/test.py CONFIG CHECKPOINT --dataset dis --data-root data/dis \
        --coarse-root data/dis/coarse/isnet [--subsets DIS-VD DIS-TE1]

Each sample's coarse mask is refined once per seed
(:func:`segrefiner.apis.evaluate.evaluate_dataset`), the first seed's masks
are written under ``--out-dir`` (BIG ``*_refine.png``, DIS
``<subset>/<name>.png``, folder: the mask's name), and a table shows
dataset-pooled IoU, mBA and mean Boundary IoU of the coarse masks and of the
refinements (mean ± std over seeds), headed by the mode that ran
(default: ``hr`` for BIG and DIS, the official protocol; ``auto`` for a
folder, as ``tools/refine.py``). ``CHECKPOINT`` may be ``random`` (random
initial weights; ``none``, its old spelling, still works, with a warning).
Bad inputs are reported one line each; the exit status is then 1. See
docs/evaluation.md.

``torchrun --nproc_per_node N tools/test.py ... --launcher pytorch`` (or
``tools/dist_test.sh CONFIG CHECKPOINT N ...``) refines and scores every
N-th sample on each rank; rank 0 pools all samples' statistics in sample
order, so the table equals the one-process table exactly
(docs/distributed.md).
"""
import argparse
import json
import sys
from pathlib import Path
from typing import List, Optional

from mmengine.config import DictAction
from torch.distributed.elastic.multiprocessing.errors import record

from segrefiner.apis import init_refiner
from segrefiner.apis.cli import (add_device_arg, add_inference_args,
                                 add_launcher_args, add_mode_arg,
                                 add_output_arg, add_progress_arg,
                                 add_seed_arg, add_trust_arg, check_device,
                                 inference_options_of)
from segrefiner.apis.distributed import (finish_launcher, init_launcher,
                                         is_main_process, rank_tag)
from segrefiner.apis.evaluate import (DATASET_TYPES, build_eval_dataset,
                                      evaluate_dataset, format_table)
from segrefiner.io import atomic_write_bytes
from segrefiner.model_zoo import RANDOM_WEIGHTS


#: Each dataset's protocol: BIG and DIS5K are scored in the official HR
#: protocol; a folder of saved predictions is refined as refine.py would.
DEFAULT_MODES = dict(big='hr', dis='hr', folder='auto')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config',
                        help='model config file, or a named model (lr, hr, '
                        'demo)')
    parser.add_argument('checkpoint',
                        help="weights file, a named model's weights (lr, "
                        "hr, demo), or 'random' for random initial weights")
    add_trust_arg(parser)
    parser.add_argument('--dataset',
                        required=True,
                        choices=sorted(DATASET_TYPES),
                        help='dataset layout')
    parser.add_argument('--data-root', required=True, help='dataset folder')
    parser.add_argument('--coarse-root',
                        help='coarse masks: dis: folder of per-subset '
                        'folders; folder: the coarse folder')
    parser.add_argument('--subsets', nargs='+', help='DIS5K subsets')
    add_output_arg(parser, 'write the refined masks in this folder')
    add_mode_arg(parser, None, 'refinement protocol (default: the data\'s: '
                 'hr for big and dis, the official protocol; auto for '
                 'folder, as refine.py and demo.py)')
    add_seed_arg(parser, many=True)
    add_device_arg(parser)
    parser.add_argument('--cfg-options',
                        nargs='+',
                        action=DictAction,
                        help='config overrides, key=value')
    parser.add_argument('--rule',
                        default='>=128',
                        choices=['>=128', '>128'],
                        help='mask binarisation: SegRefiner >=128, '
                        'CascadePSP >128')
    parser.add_argument('--json', help='also write the results here')
    add_progress_arg(parser)
    add_launcher_args(parser)
    add_inference_args(parser)
    args = parser.parse_args(argv)
    if args.mode is None:
        args.mode = DEFAULT_MODES[args.dataset]
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        return _evaluate(args)
    finally:
        finish_launcher()


def _checkpoint(name: str) -> str:
    """``CHECKPOINT``, its deprecated spelling ``none`` read as ``random``
    (said once, by rank 0)."""
    if name.lower() != 'none':
        return name
    if is_main_process():
        print(f"warning: CHECKPOINT 'none' is deprecated: use "
              f"'{RANDOM_WEIGHTS}' (random initial weights), as every tool",
              file=sys.stderr)
    return RANDOM_WEIGHTS


def _evaluate(args: argparse.Namespace) -> int:
    """Refine, score and print (rank 0); the exit status."""
    try:
        device = init_launcher(args.launcher, check_device(args.device))
        model = init_refiner(args.config, _checkpoint(args.checkpoint),
                             device, args.cfg_options, args.trust_checkpoint)
        dataset = build_eval_dataset(args.dataset, args.data_root,
                                     args.coarse_root, args.subsets)
        options = inference_options_of(args, model)
    except (OSError, ValueError, KeyError, RuntimeError) as error:
        print(f'error: {rank_tag()}{error}', file=sys.stderr)
        return 1
    report = evaluate_dataset(model,
                              dataset,
                              args.seeds,
                              args.mode,
                              args.out,
                              args.rule,
                              label=Path(args.data_root).resolve().name,
                              progress=not args.no_progress,
                              options=options,
                              workers=args.workers)
    if not is_main_process():  # rank 0 reports for every rank
        return 0
    summary = dict(report.summary(), mode=args.mode)
    print()
    print(f'{args.dataset} {args.data_root}: mode {args.mode}, seeds '
          f'{" ".join(map(str, args.seeds))}')
    print(format_table(summary))
    if args.out is not None:
        print(f'{report.written} refined masks in {args.out}')
    if report.unscored:
        print(f'{report.unscored} samples had no GT and were not scored')
    if args.json is not None:
        atomic_write_bytes(args.json, json.dumps(summary, indent=2).encode())
    if report.failures:
        print(f'{len(report.failures)} of {len(dataset)} samples failed',
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(record(main)())  # torchrun shows a failing rank's traceback
