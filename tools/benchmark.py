"""Where refinement time and memory go: UNet forwards vs everything else.

Usage::

    python tools/benchmark.py                      # tiny + full, CPU
    python tools/benchmark.py --configs tiny --json bench.json
    python tools/benchmark.py --device cuda

For each configuration (random weights, seeded) it runs, after one untimed
warm-up call on the same inputs: ``refine_instances`` on an image with
``--instances`` blobs, ``refine(mode='hr')`` on an ``--hr-size`` image and
``refine_semantic`` on a label map. The UNet's own forward time is measured
inside each call (:class:`segrefiner.utils.ForwardTimer`), so "other" is all
the crop/paste/patch/sampling work on the same inputs. The peak memory of an
``--memory-size`` HR refinement with the tiny model is measured in a fresh
process.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from segrefiner.apis import (init_refiner, refine, refine_instances,
                             refine_semantic)
from segrefiner.utils import (ForwardTimer, current_rss_mb, peak_rss_mb,
                              synthetic_scene)

# Patches per forward in the memory runs: both images fill every batch, so
# the UNet activations are the same and the difference is the image's cost.
MEMORY_BATCH = 8
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = dict(tiny='configs/segrefiner/segrefiner_tiny.py',
               full='configs/segrefiner/segrefiner_lr.py')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', default=['tiny', 'full'],
                        choices=sorted(CONFIGS))
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--instances', type=int, nargs=2, default=[20, 4],
                        metavar=('TINY', 'FULL'),
                        help='instances per image for tiny / full')
    parser.add_argument('--hr-size', type=int, nargs=2, default=[2048, 1536],
                        metavar=('W', 'H'))
    parser.add_argument('--full-hr-size', type=int, nargs=2,
                        default=[1024, 768], metavar=('W', 'H'),
                        help='HR image for the full model (CPU-friendly)')
    parser.add_argument('--memory-size', type=int, nargs=2,
                        default=[8000, 6000], metavar=('W', 'H'))
    parser.add_argument('--memory-max-patches', type=int, default=64,
                        help='patch cap of the memory run: patches stream in '
                        'batches, so the peak does not depend on it, only '
                        'the time does')
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument('--memory-probe', metavar='SCENE_NPZ',
                        help=argparse.SUPPRESS)
    return parser.parse_args()


def timed(model, fn) -> dict:
    """Run ``fn`` once untimed, then once timed with the UNet timer."""
    fn()
    timer = ForwardTimer(model.denoise_model)
    sync = torch.cuda.synchronize if model.device.type == 'cuda' else (
        lambda: None)
    with timer:
        sync()
        start = time.perf_counter()
        fn()
        sync()
        total = time.perf_counter() - start
    return dict(total_s=total, unet_s=timer.seconds, forwards=timer.calls,
                other_pct=100 * (total - timer.seconds) / total)


def bench_config(name: str, args: argparse.Namespace) -> list:
    torch.manual_seed(0)
    model = init_refiner(os.path.join(ROOT, CONFIGS[name]),
                         device=args.device)
    n_inst = args.instances[0 if name == 'tiny' else 1]
    w, h = args.hr_size if name == 'tiny' else args.full_hr_size
    image, masks = synthetic_scene(480, 640, n_inst, seed=1)
    hr_image, hr_mask = synthetic_scene(h, w, 1, seed=2)
    hr_mask = hr_mask[0]
    labels = np.zeros((480, 640), np.uint8)
    for i, m in enumerate(masks[:5]):
        labels[m] = i + 1
    cases = [
        (f'refine_instances, {n_inst} instances, 640x480',
         lambda: refine_instances(model, image, masks, seed=0)),
        (f'refine hr, {w}x{h}',
         lambda: refine(model, hr_image, hr_mask, mode='hr', seed=0)),
        (f'refine_semantic, {len(np.unique(labels))} classes, 640x480',
         lambda: refine_semantic(model, image, labels, seed=0)),
    ]
    rows = []
    for case, fn in cases:
        row = dict(config=name, case=case, device=args.device, **timed(
            model, fn))
        print(f"{name:5s} {case:45s} total {row['total_s']:8.2f}s  unet "
              f"{row['unet_s']:8.2f}s ({row['forwards']} forwards)  other "
              f"{row['other_pct']:5.1f}%", flush=True)
        rows.append(row)
    return rows


def memory_probe(args: argparse.Namespace) -> None:
    """Peak RSS of one tiny-model HR refinement (run in a fresh process)."""
    scene = np.load(args.memory_probe)
    image, mask = scene['image'], scene['mask']
    model = init_refiner(
        os.path.join(ROOT, CONFIGS['tiny']), device=args.device,
        cfg_options={'model.test_cfg.max_patches': args.memory_max_patches,
                     'model.test_cfg.batch_max': MEMORY_BATCH})
    before = current_rss_mb()
    out = refine(model, image, mask, mode='hr', seed=0)
    h, w = mask.shape
    print(json.dumps(dict(size=f'{w}x{h}', before_mb=before,
                          peak_mb=peak_rss_mb(),
                          float_map_mb=w * h * 4 / 2**20,
                          refined_px=int(out.sum()))))


def measure_hr_memory(args: argparse.Namespace, width: int,
                      height: int) -> dict:
    """Run :func:`memory_probe` in a fresh process on a saved scene."""
    image, masks = synthetic_scene(height, width, 1, seed=3)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'scene.npz')
        np.savez(path, image=image, mask=masks[0])
        del image, masks
        probe = subprocess.run(
            [sys.executable, __file__, '--memory-probe', path, '--device',
             args.device, '--memory-max-patches',
             str(args.memory_max_patches)],
            capture_output=True, text=True, check=True)
    return json.loads(probe.stdout.strip().splitlines()[-1])


def report_memory(args: argparse.Namespace) -> list:
    """Peak memory of a large and a 1024x768 HR run with the same batches.

    The UNet's activations for a batch of patches do not depend on the
    image size; the difference between the two runs is what the image size
    costs, expressed in full-resolution float32 maps of the large image.
    """
    large = measure_hr_memory(args, *args.memory_size)
    small = measure_hr_memory(args, 1024, 768)
    extra_large = large['peak_mb'] - large['before_mb']
    extra_small = small['peak_mb'] - small['before_mb']
    maps = (extra_large - extra_small) / large['float_map_mb']
    print(f"tiny  HR {large['size']}: peak RSS {large['peak_mb']:.0f} MiB, "
          f"{extra_large:.0f} MiB above the loaded image and model; "
          f"{small['size']}: {extra_small:.0f} MiB; the difference is "
          f"{maps:.1f} full-resolution float maps of {large['size']}")
    return [large, small]


def main() -> int:
    args = parse_args()
    if args.memory_probe:
        memory_probe(args)
        return 0
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'device {args.device}', flush=True)
    rows = []
    for name in args.configs:
        rows += bench_config(name, args)
    memory = report_memory(args)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(rows=rows, hr_memory=memory), f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
