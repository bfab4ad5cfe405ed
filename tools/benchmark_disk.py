"""Disk to disk: ``refine_folder`` on generated images, 1 process vs N ranks.

``tools/benchmark.py`` prints these rows (its ``disk`` section); run alone::

    python tools/benchmark_disk.py --configs tiny full --images 16 4 --ranks 2

For each config (random weights, seeded) it writes a folder of ``--images``
generated 480x640 JPEG photos with one coarse PNG mask each
(:func:`segrefiner.utils.synthetic_scene`), then refines it (object-crop
protocol, ``mode='lr'``) into a fresh folder twice: in one process with ``--workers`` DataLoader workers, and on
``--ranks`` gloo (CPU) or NCCL (``--device cuda``) ranks started by
torchrun. Each rank first refines two warm-up images, meets the others at a
barrier, and then times its whole share of the folder (reading, refining,
writing) and, inside it, the UNet's own forwards
(:class:`segrefiner.utils.ForwardTimer`). A row gives images/s (the folder
over the slowest rank's wall time) and the UNet's share of the ranks' wall
time: what is left is decoding, encoding, crop/paste and sampling that the
workers did not hide. On a CPU the ranks share its cores: each rank gets
``cores / ranks`` threads, so 2 ranks is the same hardware as 1 process.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch

from benchmark_common import CONFIGS, random_model, write_json
from segrefiner.apis.batch import BatchOptions
from segrefiner.apis.distributed import (barrier, finish_launcher,
                                         init_launcher, world)
from segrefiner.apis.cli import RANDOM_WEIGHTS_NOTE
from segrefiner.apis.folders import refine_folder
from segrefiner.io import write_image
from segrefiner.model_zoo import RandomWeightsWarning
from segrefiner.utils import ForwardTimer, synthetic_scene

WARM_UP = 2


def write_folder(root: Path, count: int, first: int = 0) -> None:
    """``count`` generated photos and coarse masks under ``root``."""
    for sub in ('images', 'masks'):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i in range(first, first + count):
        image, masks = synthetic_scene(480, 640, 1, seed=i)
        write_image(root / 'images' / f'{i:04d}.jpg', image)
        write_image(root / 'masks' / f'{i:04d}.png',
                    masks[0].astype(np.uint8) * 255)


def rank_worker(args: argparse.Namespace) -> None:
    """One rank (or the one process): warm up, time its share, dump JSON."""
    device = init_launcher(args.launcher, args.device)
    size = {} if args.model_size is None else {
        'model.test_cfg.model_size': args.model_size}
    model = random_model(args.config, device, size)
    data, out = Path(args.data), Path(args.out)
    options = BatchOptions(mode='lr', progress=False, workers=args.workers,
                           batch_images=args.batch_images)
    refine_folder(model, data / 'warm' / 'images', data / 'warm' / 'masks',
                  out / 'warm', options=options)
    barrier()
    timer = ForwardTimer(model.denoise_model)
    with timer:
        start = time.perf_counter()
        report = refine_folder(model, data / 'images', data / 'masks',
                               out / 'refined', options=options)
        wall = time.perf_counter() - start
    rank, size = world()
    Path(f'{args.json}.{rank}').write_text(json.dumps(dict(
        rank=rank, ranks=size, wall_s=wall, unet_s=timer.seconds,
        forwards=timer.calls, threads=torch.get_num_threads(),
        refined=report.refined if rank == 0 else None)))
    finish_launcher()


def run_ranks(config: str, data: Path, ranks: int, workers: int,
              device: str, model_size: Optional[int] = None,
              batch_images: int = 1) -> dict:
    """One row: the folder refined by ``ranks`` processes (1: no torchrun)."""
    threads = max(1, (os.cpu_count() or 1) // ranks)
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, 'rank.json')
        shutil.rmtree(data / 'out', ignore_errors=True)
        args = [__file__, '--rank-worker', config, str(data),
                str(data / 'out'), dump, '--workers', str(workers),
                '--device', device, '--batch-images', str(batch_images)]
        if model_size is not None:
            args += ['--model-size', str(model_size)]
        launch = [sys.executable] + (['-m', 'torch.distributed.run',
                                      '--standalone', '--nproc_per_node',
                                      str(ranks)] if ranks > 1 else [])
        extra = ['--launcher', 'pytorch'] if ranks > 1 else []
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        subprocess.run(launch + args + extra, check=True, env=env)
        parts = [json.loads(Path(f'{dump}.{r}').read_text())
                 for r in range(ranks)]
    images = len(list((data / 'images').iterdir()))
    wall = max(part['wall_s'] for part in parts)
    unet = sum(part['unet_s'] for part in parts)
    total = sum(part['wall_s'] for part in parts)
    return dict(config=config, ranks=ranks, workers=workers,
                batch_images=batch_images,
                threads=parts[0]['threads'], images=images, wall_s=wall,
                images_per_s=images / wall, unet_share=unet / total,
                forwards=sum(part['forwards'] for part in parts))


def disk_rows(configs: Sequence[str], counts: Sequence[int], ranks: int,
              workers: int, device: str,
              model_size: Optional[int] = None,
              batch_images: int = 1) -> list:
    """Print and return the 1-process and ``ranks``-rank rows per config
    (``model_size``: the crops' size instead of the config's)."""
    rows = []
    for config, count in zip(configs, counts):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            write_folder(data, count)
            write_folder(data / 'warm', WARM_UP, first=10_000)
            for n in (1, ranks):
                row = run_ranks(config, data, n, workers, device,
                                model_size, batch_images)
                print(f"{config:5s} disk to disk, {row['images']} images "
                      f"480x640, {n} process(es) x {row['threads']} threads,"
                      f" {workers} workers each, {batch_images} images per "
                      f"batch: {row['images_per_s']:.2f} "
                      f"images/s, UNet {100 * row['unet_share']:.1f}% of "
                      'the wall time', flush=True)
                rows.append(row)
    return rows


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', default=['tiny', 'full'],
                        choices=sorted(CONFIGS))
    parser.add_argument('--images', type=int, nargs='+', default=[16, 4],
                        help='images per config (default 16 tiny, 4 full)')
    parser.add_argument('--ranks', type=int, default=2)
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--batch-images', type=int, default=1,
                        help="refine.py's --batch-images")
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--model-size', type=int,
                        help="crop size (default: the config's, 256)")
    parser.add_argument('--json', help='also write the rows here')
    parser.add_argument('--rank-worker', nargs=4,
                        metavar=('CONFIG', 'DATA', 'OUT', 'JSON'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--launcher', default='none', help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if args.rank_worker:
        # random weights: said once by the launching tool, not per rank
        warnings.simplefilter('ignore', RandomWeightsWarning)
        args.config, args.data, args.out, args.json = args.rank_worker
        rank_worker(args)
        return 0
    print(RANDOM_WEIGHTS_NOTE, flush=True)
    rows = disk_rows(args.configs, args.images, args.ranks, args.workers,
                     args.device, args.model_size, args.batch_images)
    write_json(args.json, rows)
    return 0


if __name__ == '__main__':
    sys.exit(main())
