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
:mod:`segrefiner.models.fast_path`), each in a fresh process of its own, it
measures, each call after one untimed
run on the same inputs: the UNet forward alone per batch size (time, crops/s,
GFLOP/s), ``refine_instances`` on an image with ``--instances`` blobs,
``refine(mode='hr')`` on each ``--hr-sizes`` image and ``refine_semantic`` on
a label map. The UNet's own forward time is measured inside each call
(:class:`segrefiner.utils.ForwardTimer`), so "other" is all the
crop/paste/patch/sampling work on the same inputs. First it measures the
machine's conv peak (:func:`conv_peak`: one 3x3 conv, 256 channels, 64x64,
batch 4, channels-last, fp32 and bf16) and prints next to every row the
UNet's GFLOP/s and its share of the peak of the dtype it ran in. The
``memory`` rows (``tools/benchmark_memory.py``) give the peak memory of an
``--memory-size`` HR refinement with the tiny model and of
``refine_instances`` with attention at 4,096 and 16,384 tokens, each in a
fresh process. The ``disk`` rows (``tools/benchmark_disk.py``) refine a
generated folder from disk to disk in one process and on two ranks
(images/s, the UNet's share of the wall time). ``--agreement DIR`` compares
the two paths on a held-out folder (``images/``, ``masks/``, ``coarse/``)
with the embedded demo model; ``--steps-curve DIR ...`` runs the steps
curve of ``tools/benchmark_steps.py`` (quality and time against ``--steps``).
"""
import argparse
import json
import os
import runpy
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from segrefiner.apis import (init_refiner, refine, refine_instances,
                             refine_semantic)
from segrefiner.data.datasets import RefineFolderDataset
from segrefiner.apis.agreement import path_agreement
from segrefiner.apis.cli import (RANDOM_WEIGHTS_NOTE, add_device_arg,
                                 check_device)
from segrefiner.io import load_image, load_mask
from segrefiner.model_zoo import RANDOM_WEIGHTS, RandomWeightsWarning
from segrefiner.models import UNetRunner, native_bf16, resolve_forward_mode
from segrefiner.utils import (ForwardTimer, retain_freed_memory,
                              synthetic_scene)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = dict(tiny='configs/segrefiner/segrefiner_tiny.py',
               full='configs/segrefiner/segrefiner_lr.py',
               demo='segrefiner/model_zoo/demo_config.py')


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
    parser.add_argument('--unet-batch', type=int, nargs=2,
                        metavar=('TINY', 'FULL'),
                        help="the fast path's test_cfg.unet_batch for tiny / "
                        'full (0: the config\'s own)')
    parser.add_argument('--precision', default='auto',
                        choices=['auto', 'fp32', 'bf16', 'fp16'],
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
    parser.add_argument('--memory-size', type=int, nargs=2,
                        default=[8000, 6000], metavar=('W', 'H'))
    parser.add_argument('--memory-max-patches', type=int, default=64,
                        help='patch cap of the memory run: patches stream in '
                        'batches, so the peak does not depend on it, only '
                        'the time does')
    parser.add_argument('--steps-curve', nargs='+', metavar='DATA_ROOT',
                        help='instead: quality and time against --steps on '
                        'these folder datasets (tools/benchmark_steps.py)')
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument('--conv-peak', help=argparse.SUPPRESS)
    parser.add_argument('--worker', nargs=2, metavar=('CONFIG', 'JSON'),
                        help=argparse.SUPPRESS)
    return parser.parse_args()


def conv_peak(device: str, dtype: torch.dtype, repeats: int = 5) -> float:
    """GFLOP/s of one 3x3 conv, 256 -> 256 channels, 64x64, batch 4,
    channels-last, in ``dtype`` (best of ``repeats`` after two warm-ups):
    the machine's practical peak for the UNet's dominant operation."""
    conv = torch.nn.Conv2d(256, 256, 3, padding=1).to(
        device, dtype, memory_format=torch.channels_last)
    x = torch.randn(4, 256, 64, 64, device=device, dtype=dtype).contiguous(
        memory_format=torch.channels_last)
    flops = 2 * 256 * 256 * 9 * 64 * 64 * 4
    sync = torch.cuda.synchronize if device.startswith('cuda') else (
        lambda: None)
    best = float('inf')
    with torch.no_grad():
        for i in range(repeats + 2):
            sync()
            start = time.perf_counter()
            conv(x)
            sync()
            if i >= 2:
                best = min(best, time.perf_counter() - start)
    return flops / best / 1e9


def measure_peaks(device: str) -> dict:
    """Conv peak per dtype name; bf16 marked native or emulated."""
    native = native_bf16(device)  # emulated bf16 is slow: one timed run
    peaks = dict(fp32=conv_peak(device, torch.float32),
                 bf16=conv_peak(device, torch.bfloat16, 5 if native else 1),
                 bf16_native=native)
    kind = 'native' if peaks['bf16_native'] else 'emulated: no bf16 unit'
    print(f"conv peak (3x3, 256 ch, 64x64, batch 4, channels-last): fp32 "
          f"{peaks['fp32']:.0f} GFLOP/s, bf16 {peaks['bf16']:.0f} GFLOP/s "
          f'({kind})', flush=True)
    return peaks


def row_dtype(path: str, model) -> str:
    """The peak a row is compared with: the dtype its UNet ran in."""
    if path == 'reference':
        return 'fp32'
    dtype = resolve_forward_mode(True, model.test_cfg.get('precision', 'auto'),
                                 model.device).autocast_dtype
    return {torch.bfloat16: 'bf16', torch.float16: 'fp16'}.get(dtype, 'fp32')


def share(gflops: float, dtype: str, peaks: dict) -> str:
    """``"N GFLOP/s (P% of the <dtype> conv peak)"``."""
    peak = peaks.get(dtype)
    pct = f'{100 * gflops / peak:3.0f}% of {dtype} peak' if peak else (
        f'no {dtype} peak')
    return f'{gflops:6.1f} GFLOP/s ({pct})'


class FlopTally:
    """FLOPs of the UNet forwards of a call, from their input shapes
    (FlopCounterMode on one crop of each size, times the batch)."""

    def __init__(self, unet: torch.nn.Module) -> None:
        self.unet, self.per_size, self.shapes = unet, {}, []

    def _record(self, _module, args) -> None:
        self.shapes.append(tuple(args[0].shape))

    def __enter__(self) -> 'FlopTally':
        self.shapes = []
        self._handle = self.unet.register_forward_pre_hook(self._record)
        return self

    def __exit__(self, *_) -> None:
        self._handle.remove()

    def total(self) -> float:
        param = next(self.unet.parameters())
        for n, c, h, w in self.shapes:
            if (c, h, w) not in self.per_size:
                counter = FlopCounterMode(display=False)
                with torch.no_grad(), counter:
                    self.unet(torch.zeros(1, c, h, w, device=param.device),
                              torch.zeros(1, dtype=torch.long,
                                          device=param.device))
                self.per_size[c, h, w] = counter.get_total_flops()
        return float(sum(n * self.per_size[c, h, w]
                         for n, c, h, w in self.shapes))


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
    torch.manual_seed(0)
    options = {'model.test_cfg.max_patches': args.hr_max_patches,
               'model.test_cfg.precision': args.precision}
    if args.unet_batch and args.unet_batch[name != 'tiny']:
        options['model.test_cfg.unet_batch'] = args.unet_batch[name != 'tiny']
    model = init_refiner(os.path.join(ROOT, CONFIGS[name]), RANDOM_WEIGHTS,
                         device=args.device, cfg_options=options)
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


def agreement(args: argparse.Namespace) -> dict:
    """Fast vs reference path on a held-out folder, embedded demo model."""
    dataset = RefineFolderDataset(data_root=args.agreement, data_prefix=dict(
        img_path='images', gt_path='masks', coarse_path='coarse'))
    samples = ((load_image(d['img_path']), load_mask(d['coarse_path']),
                load_mask(d['gt_path']))
               for d in (dataset.get_data_info(i)
                         for i in range(len(dataset))))
    result = path_agreement(init_refiner(device=args.device), samples)
    print(f"{len(dataset)} images: fast-vs-reference mask IoU min "
          f"{result['min_iou']:.4f}, mean "
          f"{np.mean(result['per_image_iou']):.4f}; pooled IoU reference "
          f"{result['reference'][0]:.2f} fast {result['fast'][0]:.2f}; mBA "
          f"reference {result['reference'][1]:.2f} fast "
          f"{result['fast'][1]:.2f}")
    return result


def sibling(name: str) -> dict:
    """The globals of the tools/ script ``name`` beside this one."""
    return runpy.run_path(os.path.join(os.path.dirname(
        os.path.abspath(__file__)), name))


def device_name(device: str) -> str:
    """The GPU's name, or the CPU's model name from /proc/cpuinfo."""
    if device.startswith('cuda'):
        return torch.cuda.get_device_name(torch.device(device))
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return 'unknown CPU'


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
        result = dict(agreement=agreement(args))
    elif args.steps_curve:
        result = dict(steps_curve=sibling('benchmark_steps.py')[
            'steps_curve'](args.steps_curve))
    else:
        print(f'{RANDOM_WEIGHTS_NOTE} (--agreement DIR scores the embedded '
              'model)', flush=True)
        peaks = measure_peaks(args.device)
        rows = []
        for name in args.configs:
            rows += bench_isolated(name, args, peaks)
        memory = attention = []
        if 'memory' not in args.skip:
            memory, attention = sibling('benchmark_memory.py')['memory_rows'](
                args.device, args.memory_size, args.memory_max_patches)
        disk = [] if 'disk' in args.skip else sibling('benchmark_disk.py')[
            'disk_rows'](args.configs, [args.disk_images[name != 'tiny']
                                        for name in args.configs], 2, 1,
                         args.device)
        result = dict(device_name=device_name(args.device), conv_peak=peaks,
                      rows=rows, hr_memory=memory,
                      attention_memory=attention, disk_to_disk=disk)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2, default=str)
    return 0


if __name__ == '__main__':
    sys.exit(main())
