r"""Write composite training images with exact masks from bundled photos.

Usage::

    python tools/gen_composites.py data/composites --num 1000 [--seed 0] \
        [--size 512 512] [--workers 4] [--no-progress]

Writes ``OUT_DIR/images/<i>.jpg`` and ``OUT_DIR/masks/<i>.png`` (0/255) for
``i`` in ``000000`` to ``num - 1``: random shapes cut out of one scikit-image
sample photo and pasted onto another (:mod:`segrefiner.datagen.composites`).
Existing pairs are kept, so an interrupted run resumes, and composite ``i``
depends only on ``--seed``, ``--size`` and ``i``.
"""
import argparse
import sys
from typing import List, Optional

from segrefiner.utils import progress_bar
from segrefiner.batch.cli import (add_output_folder_args, add_progress_arg,
                                 output_folder_of)
from segrefiner.datagen import generate_composites


#: The smallest composite side (an object needs a few pixels of edge).
MIN_SIDE = 16


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_output_folder_args(parser, 'receives images/ and masks/')
    parser.add_argument('--num',
                        type=int,
                        required=True,
                        help='number of composites')
    parser.add_argument('--seed', type=int, default=0, help='base seed')
    parser.add_argument('--size',
                        type=int,
                        nargs=2,
                        default=(512, 512),
                        metavar=('H', 'W'),
                        help='composite height and width')
    parser.add_argument('--workers', type=int, default=1, help='processes')
    add_progress_arg(parser)
    args = parser.parse_args(argv)
    args.out = output_folder_of(parser, args)
    if min(args.size) < MIN_SIDE:
        parser.error(f'--size {args.size[0]} {args.size[1]}: each side must '
                     f'be >= {MIN_SIDE} (default 512 512)')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    with progress_bar('composites', args.no_progress) as bar:
        task = bar.add_task('composites', total=args.num)
        for _ in generate_composites(args.out, args.num, args.seed,
                                     tuple(args.size), args.workers):
            bar.advance(task)
    print(f'{args.num} composites in {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
