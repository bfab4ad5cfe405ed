"""Peak memory of HR refinement and of high-token attention (tiny model).

``tools/benchmark.py`` prints these rows (its ``memory`` section); run alone::

    python tools/benchmark_memory.py [--memory-size 8000 6000] [--device cuda]

Every measurement runs in a fresh process of its own (this script with
``--memory-probe`` or ``--attention-probe``) and reads its peak from
``VmHWM``: the tiny model (random weights) refines an ``--memory-size`` and a
1024x768 HR image with the same patch batches, whose difference is what the
image size costs, and ``refine_instances`` with the UNet's attention at
4,096 and 16,384 tokens per crop, on the reference and the fast path.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

from benchmark_common import random_model
from segrefiner.apis import refine, refine_instances
from segrefiner.model_zoo import RandomWeightsWarning
from segrefiner.utils import current_rss_mb, peak_rss_mb, synthetic_scene

# Patches per forward in the memory runs: both images fill every batch, so
# the UNet activations are the same and the difference is the image's cost.
MEMORY_BATCH = 8


def memory_probe(args: argparse.Namespace) -> None:
    """Peak RSS of one tiny-model HR refinement (run in a fresh process)."""
    scene = np.load(args.memory_probe)
    image, mask = scene['image'], scene['mask']
    model = random_model(
        'tiny', args.device,
        {'model.test_cfg.max_patches': args.memory_max_patches,
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


#: (attention stride, instances, paths) of the attention-memory runs: the
#: tiny UNet with attention at stride 4 (4,096 tokens per 256 px crop) and
#: 2 (16,384 tokens; the reference's T x T weights need 2 GiB per crop and
#: block there, so only the fast path runs).
ATTENTION_CASES = ((4, 4, ('reference', 'fast')), (2, 2, ('fast', )))


def attention_probe(args: argparse.Namespace) -> None:
    """Peak RSS of ``refine_instances`` with high-token attention (fresh
    process): the tiny model with attention at one stride."""
    path, stride, instances = args.attention_probe
    model = random_model(
        'tiny', args.device,
        {'model.denoise_model.attention_strides': [int(stride)]})
    image, masks = synthetic_scene(480, 640, int(instances), seed=1)
    before = current_rss_mb()
    refine_instances(model, image, masks, seed=0, fast=path == 'fast')
    print(json.dumps(dict(path=path, stride=int(stride),
                          tokens=(model.test_cfg.get('model_size', 256) //
                                  int(stride))**2,
                          instances=int(instances), before_mb=before,
                          peak_mb=peak_rss_mb())))


def report_attention_memory(args: argparse.Namespace) -> list:
    """Memory above the loaded model of high-token attention, per path."""
    rows = []
    for stride, instances, paths in ATTENTION_CASES:
        for path in paths:
            probe = subprocess.run(
                [sys.executable, __file__, '--device', args.device,
                 '--attention-probe', path, str(stride), str(instances)],
                capture_output=True, text=True, check=True)
            row = json.loads(probe.stdout.strip().splitlines()[-1])
            print(f"tiny  attention at {row['tokens']} tokens, "
                  f"refine_instances x{instances} {path:9s} peak RSS "
                  f"{row['peak_mb']:.0f} MiB, "
                  f"{row['peak_mb'] - row['before_mb']:.0f} MiB above the "
                  f'loaded model', flush=True)
            rows.append(row)
    return rows


def memory_rows(device: str, memory_size=(8000, 6000),
                memory_max_patches: int = 64) -> tuple:
    """Print and return ``(HR rows, attention rows)``."""
    args = argparse.Namespace(device=device, memory_size=list(memory_size),
                              memory_max_patches=memory_max_patches)
    return report_memory(args), report_attention_memory(args)


def add_memory_args(parser: argparse.ArgumentParser) -> None:
    """``--memory-size W H`` and ``--memory-max-patches`` (also
    ``benchmark.py``'s)."""
    parser.add_argument('--memory-size', type=int, nargs=2,
                        default=[8000, 6000], metavar=('W', 'H'),
                        help='the large HR image (default 8000 x 6000)')
    parser.add_argument('--memory-max-patches', type=int, default=64,
                        help='patch cap of the HR memory runs: patches stream'
                        ' in batches, so the peak does not depend on it, '
                        'only the time does')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu')
    add_memory_args(parser)
    parser.add_argument('--memory-probe', metavar='SCENE_NPZ',
                        help=argparse.SUPPRESS)
    parser.add_argument('--attention-probe', nargs=3,
                        metavar=('PATH', 'STRIDE', 'INSTANCES'),
                        help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    # random weights on purpose: this measures memory, not quality
    warnings.simplefilter('ignore', RandomWeightsWarning)
    if args.memory_probe:
        memory_probe(args)
    elif args.attention_probe:
        attention_probe(args)
    else:
        memory_rows(args.device, args.memory_size, args.memory_max_patches)
    return 0


if __name__ == '__main__':
    sys.exit(main())
