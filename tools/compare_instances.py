"""Per-instance coarse vs refined scores of a folder evaluation.

Usage::

    python tools/test.py demo demo --dataset folder \
        --data-root data/labelme_val \
        --coarse-root data/labelme_val/coarse_mask_head --mode lr --seeds 0 \
        --out work_dirs/labelme_head
    python tools/compare_instances.py data/labelme_val \
        data/labelme_val/coarse_mask_head work_dirs/labelme_head [--worse 0.5]

``tools/test.py`` pools IoU over a dataset, where large objects dominate;
this tool scores each instance (``masks/<stem>.png`` of the data root, its
coarse mask and its refined mask, paired by stem): mask IoU and boundary IoU
(:mod:`segrefiner.evaluation.functional`) of the coarse and the refined mask,
one row per instance, then their means and the number of instances whose
refined IoU is more than ``--worse`` IoU points below the coarse one.
"""
import argparse
import sys
from pathlib import Path
from typing import List, Optional

from rich.console import Console
from rich.table import Table

from segrefiner.evaluation.functional import boundary_iou, mask_iou
from segrefiner.io import load_mask


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='folder with masks/ (the truth)')
    parser.add_argument('coarse', help='folder of coarse masks')
    parser.add_argument('refined', help='folder of refined masks')
    parser.add_argument('--worse', type=float, default=0.5,
                        help='count instances worse by more than this many '
                        'IoU points (default 0.5)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    truths = sorted(Path(args.data_root, 'masks').glob('*.png'))
    if not truths:
        print(f'error: {args.data_root}/masks: no .png masks',
              file=sys.stderr)
        return 1
    table = Table('instance', 'IoU coarse', 'IoU refined', 'delta',
                  'bIoU coarse', 'bIoU refined')
    sums, worse = [0.0] * 4, 0
    for path in truths:
        try:
            gt = load_mask(path)
            pair = [load_mask(Path(folder, path.name))
                    for folder in (args.coarse, args.refined)]
        except (OSError, ValueError) as error:
            print(f'error: {error}', file=sys.stderr)
            return 1
        scores = [100 * f(m, gt) for m in pair for f in (mask_iou,
                                                          boundary_iou)]
        sums = [s + v for s, v in zip(sums, scores)]
        delta = scores[2] - scores[0]
        worse += delta < -args.worse
        table.add_row(path.stem, f'{scores[0]:.2f}', f'{scores[2]:.2f}',
                      f'{delta:+.2f}', f'{scores[1]:.2f}', f'{scores[3]:.2f}')
    n = len(truths)
    mean = [s / n for s in sums]
    table.add_row('mean', f'{mean[0]:.2f}', f'{mean[2]:.2f}',
                  f'{mean[2] - mean[0]:+.2f}', f'{mean[1]:.2f}',
                  f'{mean[3]:.2f}', end_section=True)
    Console(width=120).print(table)
    print(f'{n} instances: mean IoU {mean[0]:.2f} -> {mean[2]:.2f}, '
          f'boundary IoU {mean[1]:.2f} -> {mean[3]:.2f}; {worse} worse by '
          f'more than {args.worse} IoU')
    return 0


if __name__ == '__main__':
    sys.exit(main())
