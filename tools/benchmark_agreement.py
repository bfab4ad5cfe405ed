"""Fast path against reference path on a held-out folder, embedded model.

``tools/benchmark.py --agreement DIR`` prints this; run alone::

    python tools/benchmark_agreement.py data/demo_val [--device cuda]

``DIR`` holds ``images/``, ``masks/`` (ground truth) and ``coarse/``; each
image is refined on both paths (:func:`segrefiner.apis.agreement.
path_agreement`): the row gives the per-image IoU between the two paths and
each path's pooled IoU and mBA against the ground truth.
"""
import argparse
import sys

import numpy as np

from benchmark_common import write_json
from segrefiner.apis import init_refiner
from segrefiner.apis.agreement import path_agreement
from segrefiner.apis.cli import add_device_arg, check_device
from segrefiner.data.datasets import RefineFolderDataset
from segrefiner.io import load_image, load_mask


def agreement(folder: str, device: str) -> dict:
    """Print and return :func:`path_agreement` on ``folder``."""
    dataset = RefineFolderDataset(data_root=folder, data_prefix=dict(
        img_path='images', gt_path='masks', coarse_path='coarse'))
    samples = ((load_image(d['img_path']), load_mask(d['coarse_path']),
                load_mask(d['gt_path']))
               for d in (dataset.get_data_info(i)
                         for i in range(len(dataset))))
    result = path_agreement(init_refiner(device=device), samples)
    print(f"{len(dataset)} images: fast-vs-reference mask IoU min "
          f"{result['min_iou']:.4f}, mean "
          f"{np.mean(result['per_image_iou']):.4f}; pooled IoU reference "
          f"{result['reference'][0]:.2f} fast {result['fast'][0]:.2f}; mBA "
          f"reference {result['reference'][1]:.2f} fast "
          f"{result['fast'][1]:.2f}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('folder', help='images/, masks/ and coarse/')
    add_device_arg(parser)
    parser.add_argument('--json', help='also write the result here')
    args = parser.parse_args()
    try:
        check_device(args.device)
    except ValueError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    write_json(args.json, agreement(args.folder, args.device))
    return 0


if __name__ == '__main__':
    sys.exit(main())
