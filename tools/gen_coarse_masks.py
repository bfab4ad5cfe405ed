r"""Write offline coarse masks, ``coarse/`` and ``coarse_expand/``, of GT masks.

Usage::

    python tools/gen_coarse_masks.py data/dis/DIS-TR/gt data/dis/DIS-TR \
        [--seed 0] [--workers 8] [--iou-target 0.8] [--no-progress]

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

from segrefiner.utils import progress_bar
from segrefiner.batch.cli import (add_output_folder_args, add_progress_arg,
                                 output_folder_of)
from segrefiner.datagen import generate_coarse_masks
from segrefiner.io import list_masks


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('mask_dir', help='folder of GT masks (0/255 or 0/1)')
    add_output_folder_args(parser, 'receives coarse/ and coarse_expand/')
    parser.add_argument('--seed', type=int, default=0, help='base seed')
    parser.add_argument('--workers', type=int, default=1, help='processes')
    parser.add_argument('--iou-target',
                        type=float,
                        default=0.8,
                        help='perturb until the IoU falls below this')
    add_progress_arg(parser)
    args = parser.parse_args(argv)
    args.out = output_folder_of(parser, args)
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        masks = list_masks(args.mask_dir)
    except OSError as error:
        print(f'error: {args.mask_dir}: {error.strerror or error}',
              file=sys.stderr)
        return 1
    failures = []
    with progress_bar('masks', args.no_progress) as bar:
        task = bar.add_task('masks', total=len(masks))
        for name, error in generate_coarse_masks(
                masks, args.out, args.seed, args.workers,
                dict(iou_target=args.iou_target)):
            bar.advance(task)
            if error is not None:
                failures.append(f'{name}: {error}')
    print(f'{len(masks) - len(failures)} of {len(masks)} masks done '
          f'in {args.out}')
    for failure in failures:
        print(f'error: {failure}', file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
