"""Write offline coarse masks, ``coarse/`` and ``coarse_expand/``, of GT masks.

Usage::

    python tools/gen_coarse_masks.py data/dis/DIS-TR/gt data/dis/DIS-TR \
        [--seed 0] [--workers 8] [--iou-target 0.8]

For every GT mask ``MASK_DIR/<stem>.<png|jpg|...>`` this writes
``OUT_DIR/coarse/<stem>.png`` and ``OUT_DIR/coarse_expand/<stem>.png`` (0/255),
as the official ``scripts/gen_coarse_masks_hr.py`` does for HR training.
Existing outputs are kept, so an interrupted run resumes; each output is seeded
from ``--seed`` and its own name, so the result does not depend on
``--workers``. Bad inputs are reported by name and the exit status is 1.
"""
import argparse
import sys
from typing import List, Optional

from mmengine.utils import ProgressBar

from segrefiner.data import generate_coarse_masks, list_masks


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('mask_dir', help='folder of GT masks (0/255 or 0/1)')
    parser.add_argument('out_dir', help='receives coarse/ and coarse_expand/')
    parser.add_argument('--seed', type=int, default=0, help='base seed')
    parser.add_argument('--workers', type=int, default=1, help='processes')
    parser.add_argument('--iou-target',
                        type=float,
                        default=0.8,
                        help='perturb until the IoU falls below this')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    masks = list_masks(args.mask_dir)
    progress = ProgressBar(len(masks))
    failures = []
    for name, error in generate_coarse_masks(masks, args.out_dir, args.seed,
                                             args.workers,
                                             dict(iou_target=args.iou_target)):
        progress.update()
        if error is not None:
            failures.append(f'{name}: {error}')
    print(f'\n{len(masks) - len(failures)} of {len(masks)} masks done '
          f'in {args.out_dir}')
    for failure in failures:
        print(f'error: {failure}', file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
