"""Quality and time against the number of reverse steps: the steps curve.

Usage::

    python tools/benchmark_steps.py data/real_val data/labelme_val
    python tools/benchmark_steps.py data/labelme_val --coarse coarse_official \
        --seeds 0 1 --no-full --json steps.json

For each folder dataset (``images/``, ``masks/`` and the ``--coarse``
folders that exist in it, each a validation set of its own) it refines every
coarse mask with the embedded demo model (or ``--config``/``--checkpoint``)
with the object-crop protocol for ``steps = 1..T`` and, with early exit, for
each ``--exit-steps`` (``docs/steps.md``), and prints pooled mask IoU, mBA,
mean boundary IoU and the refinement time (the refine calls alone, not the
reading and the scoring) with its speed-up over all ``T`` steps. The
settings are interleaved per sample (every setting refines a sample before
the next sample), so a load that comes and goes on the machine slows them
alike and the ratios hold. Then, unless ``--no-full``, it times the full
118.6M-parameter model with random weights (quality meaningless) on
``refine_instances`` of ``--full-instances`` blobs of a 640x480 image (one
256x256 crop each), the same settings, ``--full-repeats`` interleaved rounds
after one untimed call. The curve picks the embedded model's default:
``test_cfg.steps`` in ``segrefiner/model_zoo/demo_config.py``.
"""
import argparse
import os
import sys
import time
import warnings
from typing import Dict, List, Sequence, Tuple

import torch
from mmengine.config import DictAction

from benchmark_common import device_name, random_model, write_json
from segrefiner.apis import SegRefinerPredictor, init_refiner
from segrefiner.batch.cli import RANDOM_WEIGHTS_NOTE, add_seed_arg
from segrefiner.batch.evaluate import build_eval_dataset
from segrefiner.evaluation import RefineMetric
from segrefiner.io import load_image, load_mask
from segrefiner.model_zoo import RandomWeightsWarning
from segrefiner.utils import synthetic_scene

COARSE = ('coarse_mask_head', 'coarse_official')
Setting = Tuple[int, bool]  # (steps, early exit)


def settings(num_timesteps: int, exit_steps: Sequence[int]) -> List[Setting]:
    """``(K, False)`` for K = T..1, then ``(K, True)`` per ``exit_steps``."""
    return ([(k, False) for k in range(num_timesteps, 0, -1)] +
            [(k, True) for k in exit_steps])


def label(setting: Setting) -> str:
    """``'6'``, ``'6 + exit'``."""
    return f'{setting[0]}{" + exit" if setting[1] else ""}'


def curve(model, root: str, coarse: str, seeds: Sequence[int],
          grid: List[Setting]) -> List[dict]:
    """One row per setting: the metrics on ``root``'s ``coarse`` masks and
    the time of the refine calls (object crop, one call per sample and
    seed), interleaved per sample."""
    dataset = build_eval_dataset('folder', root,
                                 os.path.join(root, coarse))
    predictors = {s: SegRefinerPredictor(model, steps=s[0], early_exit=s[1])
                  for s in grid}
    metrics = {s: RefineMetric() for s in grid}
    seconds = dict.fromkeys(grid, 0.0)
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        image = load_image(info['img_path'])
        mask, gt = load_mask(info['coarse_path']), load_mask(info['gt_path'])
        for s in grid:
            for seed in seeds:
                start = time.perf_counter()
                out = predictors[s].refine(image, mask, 'lr', seed)
                seconds[s] += time.perf_counter() - start
                metrics[s].results.append(metrics[s].sample_result(
                    out, gt, mask))
    rows = []
    for s in grid:
        scores = metrics[s].compute_metrics(metrics[s].results)
        rows.append(dict(set=f'{os.path.basename(root.rstrip("/"))}/{coarse}',
                         samples=len(dataset), steps=s[0], early_exit=s[1],
                         seconds=seconds[s],
                         speedup=seconds[grid[0]] / seconds[s], **scores))
    return rows


def full_timing(grid: List[Setting], instances: int, repeats: int,
                seed: int = 0) -> List[dict]:
    """Time ``refine_instances`` of the full model (random weights) per
    setting, ``repeats`` interleaved rounds after one untimed call."""
    model = random_model('full')
    image, masks = synthetic_scene(480, 640, instances, seed=1)
    predictors = {s: SegRefinerPredictor(model, steps=s[0], early_exit=s[1])
                  for s in grid}
    predictors[grid[-1]].refine_instances(image, masks, seed)  # warm-up
    seconds: Dict[Setting, List[float]] = {s: [] for s in grid}
    for _ in range(repeats):
        for s in grid:
            start = time.perf_counter()
            predictors[s].refine_instances(image, masks, seed)
            seconds[s].append(time.perf_counter() - start)
    base = min(seconds[grid[0]])
    return [dict(set=f'full model, random weights, {instances} instances',
                 steps=s[0], early_exit=s[1], seconds=min(seconds[s]),
                 speedup=base / min(seconds[s])) for s in grid]


def format_rows(rows: List[dict]) -> str:
    """The rows as a Markdown table (metrics in %, time in s)."""
    lines = ['| set | steps | IoU | boundary IoU | mBA | time (s) | '
             'speed-up |', '|---|---|---|---|---|---|---|']
    for row in rows:
        scores = [f'{row[k]:.2f}' if k in row else '-'
                  for k in ('IoU', 'bIoU', 'mBA')]
        if row['steps'] == 0:
            lines.append(f'| {row["set"]} | coarse | {" | ".join(scores)} '
                         '| | |')
            continue
        name = label((row['steps'], row['early_exit']))
        lines.append(f'| {row["set"]} | {name} | {" | ".join(scores)} | '
                     f'{row["seconds"]:.2f} | {row["speedup"]:.2f}x |')
    return '\n'.join(lines)


def coarse_row(rows: List[dict]) -> dict:
    """The coarse masks' own scores, from any row of the set."""
    first = rows[0]
    return dict(set=first['set'], steps=0, early_exit=False,
                IoU=first['coarse_IoU'], bIoU=first['coarse_bIoU'],
                mBA=first['coarse_mBA'])


def steps_curve(roots: Sequence[str], coarse: Sequence[str] = COARSE,
                seeds: Sequence[int] = (0, ), exit_steps: Sequence[int] = (),
                config: str = None, checkpoint: str = None,
                full_instances: int = 2, full_repeats: int = 1,
                full: bool = True, cfg_options: dict = None) -> List[dict]:
    """Every row: each set's coarse scores and curve, then the full model's
    timing (what ``tools/benchmark.py --steps-curve`` runs).

    Raises:
        ValueError: If no ``--coarse`` folder exists under any root.
    """
    sets = [(root, name) for root in roots for name in coarse
            if os.path.isdir(os.path.join(root, name))]
    if not sets:
        raise ValueError(f'none of the coarse folders {list(coarse)} exists '
                         f'under {list(roots)}')
    model = init_refiner(config, checkpoint, cfg_options=cfg_options)
    exit_steps = list(exit_steps) or [model.num_timesteps]
    grid = settings(model.num_timesteps, exit_steps)
    rows = []
    for root, name in sets:
        set_rows = curve(model, root, name, seeds, grid)
        rows += [coarse_row(set_rows)] + set_rows
        print(format_rows(rows[-len(set_rows) - 1:]), flush=True)
    if full:
        warnings.simplefilter('ignore', RandomWeightsWarning)
        print(RANDOM_WEIGHTS_NOTE, flush=True)
        full_rows = full_timing(settings(6, exit_steps), full_instances,
                                full_repeats)
        print(format_rows(full_rows), flush=True)
        rows += full_rows
    return rows


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('roots', nargs='+', metavar='DATA_ROOT',
                        help='folder datasets (images/, masks/, coarse '
                        'folders)')
    parser.add_argument('--coarse', nargs='+', default=list(COARSE),
                        help='coarse-mask folders of each root, those '
                        f'present used (default: {" ".join(COARSE)})')
    add_seed_arg(parser, many=True)
    parser.add_argument('--exit-steps', nargs='*', type=int, default=[],
                        metavar='K', help='steps of the early-exit rows '
                        '(default: T)')
    parser.add_argument('--config', help='model (default: the embedded '
                        'demo model)')
    parser.add_argument('--checkpoint', help='its weights')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, key=value')
    parser.add_argument('--full-instances', type=int, default=2)
    parser.add_argument('--full-repeats', type=int, default=1)
    parser.add_argument('--no-full', action='store_true',
                        help='skip the full model timing')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads (default 1: on a shared machine '
                        'OpenMP threads waiting for each other cost more than '
                        'they give)')
    parser.add_argument('--json', help='also write the rows here')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'{device_name("cpu")}', flush=True)
    try:
        rows = steps_curve(args.roots, args.coarse, args.seeds,
                           args.exit_steps, args.config, args.checkpoint,
                           args.full_instances, args.full_repeats,
                           not args.no_full, args.cfg_options)
    except (OSError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    write_json(args.json, rows)
    return 0


if __name__ == '__main__':
    sys.exit(main())
