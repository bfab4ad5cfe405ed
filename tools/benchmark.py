"""Where refinement time and memory go, reference path against fast path.

Usage::

    python tools/benchmark.py                      # tiny + full, CPU
    python tools/benchmark.py --configs tiny --json bench.json
    python tools/benchmark.py --device cuda
    python tools/benchmark.py --agreement data/demo_val   # fast vs reference
    python tools/benchmark.py --steps-curve data/real_val data/labelme_val
    python tools/benchmark.py --configs tiny --precision bf16 --batch-sizes 1 \
        --skip instances hr semantic memory               # bf16 UNet rows

For each configuration (random weights, seeded) and each path (``reference``:
fp32, contiguous, the official attention; ``fast``: the default path of
:mod:`segrefiner.models.fast_path`), each in a fresh process, it times, after
one untimed run on the same inputs: the UNet forward alone per batch size,
``refine_instances`` (``--instances`` blobs), ``refine(mode='hr')`` per
``--hr-sizes`` and ``refine_semantic``, with the UNet's own time inside each
call (:class:`segrefiner.utils.ForwardTimer`) and its GFLOP/s against the
machine's conv peak (``benchmark_flops.py``). The ``memory`` rows come from
``benchmark_memory.py``, the ``disk`` rows from ``benchmark_disk.py``
(imported). ``--agreement DIR`` compares the two paths on a held-out folder
(``images/``, ``masks/``, ``coarse/``) with the embedded demo model;
``--steps-curve DIR ...`` runs the steps curve of ``benchmark_steps.py``
(quality and time against ``--steps``).
docs/benchmark.md explains every column.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

import benchmark_agreement
import benchmark_disk
import benchmark_memory
import benchmark_steps
from benchmark_common import CONFIGS, device_name, random_model, write_json
from benchmark_flops import FlopTally, measure_peaks, row_dtype, share
from segrefiner.apis import refine, refine_instances, refine_semantic
from segrefiner.batch.cli import (RANDOM_WEIGHTS_NOTE, add_device_arg,
                                 add_unet_batch_arg, check_device)
from segrefiner.model_zoo import RandomWeightsWarning
from segrefiner.models import UNetRunner, resolve_forward_mode
from segrefiner.models.fast_path import PRECISIONS
from segrefiner.utils import (ForwardTimer, retain_freed_memory,
                              synthetic_scene)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', default=['tiny', 'full'],
                        choices=sorted(CONFIGS))
    add_device_arg(parser)
    parser.add_argument('--instances', type=int, nargs=2, default=[20, 4],
                        metavar=('TINY', 'FULL'),
                        help='instances per image for tiny / full')
    parser.add_argument('--hr-sizes', nargs='*',
                        default=['2048x1536', '4096x3072'],
                        help='HR images (WxH) for the tiny model')
    parser.add_argument('--full-hr-sizes', nargs='*', default=[],
                        help='HR images (WxH) for the full model (none by '
                        'default: hours on a CPU)')
    parser.add_argument('--hr-max-patches', type=int, default=64,
                        help='patch cap of the timed HR runs (random weights '
                        'propose patches almost everywhere)')
    parser.add_argument('--batch-sizes', type=int, nargs='+',
                        default=[1, 4, 8], help='UNet forward batch sizes')
    add_unet_batch_arg(parser)
    parser.add_argument('--precision', default='auto', choices=PRECISIONS,
                        help="the fast path's precision")
    parser.add_argument('--unet-size', type=int, default=256,
                        help='crop side of the UNet-forward rows')
    parser.add_argument('--threads', type=int,
                        help='torch threads (default: torch\'s); with 1, the '
                        'rows\' CPU seconds hardly depend on other load')
    parser.add_argument('--paths', nargs='+', default=['reference', 'fast'],
                        choices=['reference', 'fast'])
    parser.add_argument('--skip', nargs='*', default=[],
                        choices=['unet', 'instances', 'hr', 'semantic',
                                 'memory', 'disk'])
    parser.add_argument('--disk-images', type=int, nargs=2, default=[16, 4],
                        metavar=('TINY', 'FULL'),
                        help='images of the disk-to-disk rows (1 process '
                        'and 2 ranks, tools/benchmark_disk.py)')
    parser.add_argument('--agreement', metavar='DIR',
                        help='only compare the paths on this held-out folder')
    benchmark_memory.add_memory_args(parser)
    parser.add_argument('--steps-curve', nargs='+', metavar='DATA_ROOT',
                        help='instead: quality and time against --steps on '
                        'these folder datasets (tools/benchmark_steps.py)')
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument('--conv-peak', help=argparse.SUPPRESS)
    parser.add_argument('--worker', nargs=2, metavar=('CONFIG', 'JSON'),
                        help=argparse.SUPPRESS)
    return parser.parse_args()


def timed(model, fn) -> dict:
    """Run ``fn`` once untimed, then once timed with the UNet timer."""
    fn()
    timer = ForwardTimer(model.denoise_model)
    tally = FlopTally(model.denoise_model)
    sync = torch.cuda.synchronize if model.device.type == 'cuda' else (
        lambda: None)
    with timer, tally:
        sync()
        start = time.perf_counter()
        fn()
        sync()
        total = time.perf_counter() - start
    return dict(total_s=total, unet_s=timer.seconds, forwards=timer.calls,
                other_pct=100 * (total - timer.seconds) / total,
                gflops_per_s=tally.total() / timer.seconds / 1e9)


def unet_rows(name: str, model, args: argparse.Namespace,
              peaks: dict) -> list:
    """UNet forward time and throughput per batch size and path.

    The fast path keeps freed memory across the untimed and the timed
    forward, as inside an API call, whose steps share the heap.
    """
    size = args.unet_size
    x1 = torch.randn(1, 4, size, size, device=model.device)
    t1 = torch.full((1, ), model.num_timesteps - 1, device=model.device)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model.denoise_model(x1, t1)
    flops = counter.get_total_flops()
    rows = []
    for bs in args.batch_sizes:
        x, t = x1.repeat(bs, 1, 1, 1), t1.repeat(bs)
        for path in args.paths:
            fast = path == 'fast'
            run = UNetRunner(model.denoise_model, resolve_forward_mode(
                fast, args.precision if fast else 'fp32', model.device))
            with torch.no_grad(), retain_freed_memory(run.mode.retain_heap):
                run(x, t)
                timer = ForwardTimer(model.denoise_model)
                cpu = time.process_time()
                with timer:
                    run(x, t)
                cpu = time.process_time() - cpu
            row = dict(config=name,
                       case=f'UNet forward, {size}px, batch {bs}',
                       path=path, total_s=timer.seconds,
                       cpu_s_per_crop=cpu / bs,
                       crops_per_s=bs / timer.seconds,
                       gflops_per_s=flops * bs / timer.seconds / 1e9,
                       dtype=row_dtype(path, model))
            print(f"{name:5s} {row['case']:40s} {path:9s} "
                  f"{timer.seconds:8.2f}s  {row['crops_per_s']:7.3f} crops/s"
                  f" ({cpu / bs:6.3f} CPU s/crop)"
                  f"  {share(row['gflops_per_s'], row['dtype'], peaks)}",
                  flush=True)
            rows.append(row)
    return rows


def api_cases(name: str, model, args: argparse.Namespace) -> list:
    """``(case, fn(fast))`` of the API calls measured for one config."""
    n_inst = args.instances[0 if name == 'tiny' else 1]
    image, masks = synthetic_scene(480, 640, n_inst, seed=1)
    labels = np.zeros((480, 640), np.uint8)
    for i, m in enumerate(masks[:5]):
        labels[m] = i + 1
    cases = []
    if 'instances' not in args.skip:
        cases.append((f'refine_instances, {n_inst} instances, 640x480',
                      lambda fast: refine_instances(
                          model, image, masks, seed=0, fast=fast)))
    sizes = args.hr_sizes if name == 'tiny' else args.full_hr_sizes
    for size in ([] if 'hr' in args.skip else sizes):
        w, h = (int(v) for v in size.split('x'))
        hr_image, hr_masks = synthetic_scene(h, w, 1, seed=2)
        cases.append((f'refine hr, {w}x{h}',
                      lambda fast, im=hr_image, m=hr_masks[0]: refine(
                          model, im, m, mode='hr', seed=0, fast=fast)))
    if 'semantic' not in args.skip:
        cases.append((
            f'refine_semantic, {len(np.unique(labels))} classes, 640x480',
            lambda fast: refine_semantic(model, image, labels, seed=0,
                                         fast=fast)))
    return cases


def bench_config(name: str, args: argparse.Namespace, peaks: dict) -> list:
    """Every row of one config, for the paths in ``args.paths``."""
    options = {'model.test_cfg.max_patches': args.hr_max_patches,
               'model.test_cfg.precision': args.precision}
    if args.unet_batch is not None:
        options['model.test_cfg.unet_batch'] = args.unet_batch
    model = random_model(name, args.device, options)
    rows = [] if 'unet' in args.skip else unet_rows(name, model, args, peaks)
    for case, fn in api_cases(name, model, args):
        for path in args.paths:
            row = dict(config=name, case=case, path=path,
                       device=args.device, dtype=row_dtype(path, model),
                       **timed(model, lambda: fn(path == 'fast')))
            print(f"{name:5s} {case:40s} {path:9s} {row['total_s']:8.2f}s "
                  f" unet {row['unet_s']:8.2f}s ({row['forwards']} forwards,"
                  f" {share(row['gflops_per_s'], row['dtype'], peaks)})"
                  f"  other {row['other_pct']:5.1f}%", flush=True)
            rows.append(row)
    return rows


def bench_isolated(name: str, args: argparse.Namespace, peaks: dict) -> list:
    """:func:`bench_config` once per path, each in a fresh process.

    A path leaves state behind (the allocator's thresholds, oneDNN's
    caches, the weights' memory format), so each is measured in a process
    of its own, and the reference always in the default process state.
    """
    rows = []
    for path in args.paths:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, 'rows.json')
            subprocess.run([sys.executable, __file__, *sys.argv[1:],
                            '--paths', path, '--worker', name, out,
                            '--conv-peak', json.dumps(peaks)], check=True)
            with open(out) as f:
                rows += json.load(f)
    times = {}
    for row in rows:
        times.setdefault(row['case'], {})[row['path']] = row['total_s']
    for case, by_path in times.items():
        if len(by_path) == 2:
            print(f"{name:5s} {case:40s} fast/reference throughput "
                  f"{by_path['reference'] / by_path['fast']:.2f}x",
                  flush=True)
    return rows


def main() -> int:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        check_device(args.device)
    except ValueError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    # The timed models have random weights: said once, here, not by
    # init_refiner in every worker and probe process.
    warnings.simplefilter('ignore', RandomWeightsWarning)
    if args.worker:
        with open(args.worker[1], 'w') as f:
            json.dump(bench_config(args.worker[0], args,
                                   json.loads(args.conv_peak)), f,
                      default=str)
        return 0
    mode = resolve_forward_mode(True, args.precision, args.device, 'auto')
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'device {args.device} ({device_name(args.device)}), fast path '
          f'{mode}', flush=True)
    if args.agreement:
        result = dict(agreement=benchmark_agreement.agreement(
            args.agreement, args.device))
    elif args.steps_curve:
        result = dict(
            steps_curve=benchmark_steps.steps_curve(args.steps_curve))
    else:
        print(f'{RANDOM_WEIGHTS_NOTE} (--agreement DIR scores the embedded '
              'model)', flush=True)
        peaks = measure_peaks(args.device)
        rows = []
        for name in args.configs:
            rows += bench_isolated(name, args, peaks)
        memory = attention = []
        if 'memory' not in args.skip:
            memory, attention = benchmark_memory.memory_rows(
                args.device, args.memory_size, args.memory_max_patches)
        disk = [] if 'disk' in args.skip else benchmark_disk.disk_rows(
            args.configs, [args.disk_images[name != 'tiny']
                           for name in args.configs], 2, 1, args.device)
        result = dict(device_name=device_name(args.device), conv_peak=peaks,
                      rows=rows, hr_memory=memory,
                      attention_memory=attention, disk_to_disk=disk)
    write_json(args.json, result)
    return 0


if __name__ == '__main__':
    sys.exit(main())
