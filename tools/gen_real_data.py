r"""Write training or validation samples on real photos bundled offline.

Usage::

    python tools/gen_real_data.py data/real_train --split train --num 600
    python tools/gen_real_data.py data/real_val --split val --num 120 \
        --seed 1000 --coarse official mask_head low_res morph exact

Photos come from what is installed (scikit-image, scikit-learn, matplotlib
sample data, Debian's ``mate-backgrounds`` and ``plasma-workspace-wallpapers``
under ``/usr/share``; add folders with ``--photo-dir``), split into train and
val by a hash of each photo's name, so validation photos never reach training.
Objects are labelled by GrabCut from a box, grown Felzenszwalb regions, or
pasted from another photo of the same split (:mod:`segrefiner.data.
real_samples`). Writes ``images/``, ``masks/``, ``coarse_<source>/`` (one per
``--coarse`` source), ``meta/`` and ``photos.tsv``; finished samples are
skipped, so an interrupted run resumes, and sample ``i`` depends only on
``--seed``, ``--max-side``, ``--kinds``, the split's photos and ``i``.
``--kinds scene`` draws scenes of two to four touching and occluding objects
(:mod:`segrefiner.datagen.scenes`; the truth is one object's visible part).
``--polygon PX`` draws each truth as people annotate it, polygons within
``PX`` pixels of the outline (:mod:`segrefiner.data.annotation_style`).
"""
import argparse
import sys
from typing import List, Optional, Tuple

from segrefiner.utils import progress_bar
from segrefiner.batch.cli import (add_output_folder_args, add_progress_arg,
                                 output_folder_of)
from segrefiner.data.coarse_sources import SOURCES
from segrefiner.datagen.photos import DEFAULT_PHOTO_DIRS, find_photos
from segrefiner.datagen.real_samples import (KIND_NAMES, KINDS,
                                          generate_real_samples)


#: The smallest long side of the photos.
MIN_SIDE = 64

#: Where each split's photos come from, as the error says it.
_MORE = ('scikit-learn and matplotlib (pip install scikit-learn matplotlib), '
         "Debian's wallpapers (apt-get install mate-backgrounds "
         'plasma-workspace-wallpapers), or --photo-dir DIR')
WHERE_PHOTOS = dict(
    train=f'install scikit-image (pip install -e .[data]), {_MORE}',
    val=("scikit-image's photos are all train photos (the composites are cut "
         f'from them); validation photos come from {_MORE}'))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_output_folder_args(parser, 'output folder')
    parser.add_argument('--split', choices=('train', 'val'), required=True)
    parser.add_argument('--num', type=int, required=True, help='samples')
    parser.add_argument('--seed', type=int, default=0, help='base seed')
    parser.add_argument('--max-side', type=int, default=384,
                        help='long side of the photos (default 384)')
    parser.add_argument('--coarse', nargs='*', default=[],
                        choices=sorted(SOURCES),
                        help='coarse-mask sources to write (validation)')
    parser.add_argument('--photo-dir', action='append', default=[],
                        help='extra photo folder (repeatable)')
    parser.add_argument('--workers', type=int, default=1, help='processes')
    parser.add_argument('--kinds', nargs='+', metavar='KIND[:WEIGHT]',
                        default=[f'{k}:{w}' for k, w in KINDS],
                        help=f'sample kinds ({", ".join(KIND_NAMES)}) and '
                        'weights (default: %(default)s)')
    parser.add_argument('--polygon', type=float, default=0.0, metavar='PX',
                        help='draw each truth as an annotator\'s polygons '
                        'within PX pixels of its outline, before its coarse '
                        'masks (default 0: the outline itself)')
    add_progress_arg(parser)
    args = parser.parse_args(argv)
    args.out = output_folder_of(parser, args)
    if args.max_side < MIN_SIDE:
        parser.error(f'--max-side {args.max_side}: must be >= {MIN_SIDE} '
                     '(default 384)')
    try:
        args.kinds = [_kind(text) for text in args.kinds]
    except ValueError as error:
        parser.error(str(error))
    return args


def _kind(text: str) -> Tuple[str, float]:
    """``'scene:0.4'`` -> ``('scene', 0.4)``; a bare kind weighs 1."""
    name, _, weight = text.partition(':')
    if name not in KIND_NAMES:
        raise ValueError(f'--kinds: unknown kind {name!r}, one of '
                         f'{", ".join(KIND_NAMES)}')
    value = float(weight) if weight else 1.0
    if value <= 0:
        raise ValueError(f'--kinds: weight of {name} must be > 0')
    return name, value


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    photos = find_photos(tuple(DEFAULT_PHOTO_DIRS) + tuple(args.photo_dir),
                         args.split)
    if len(photos) < 2:
        print(f'error: only {len(photos)} {args.split} photos found (2 or '
              f'more needed): {WHERE_PHOTOS[args.split]}', file=sys.stderr)
        return 1
    print(f'{len(photos)} {args.split} photos')
    with progress_bar('samples', args.no_progress) as bar:
        task = bar.add_task('samples', total=args.num)
        for _ in generate_real_samples(args.out, photos, args.num,
                                       args.seed, args.max_side, args.coarse,
                                       args.workers, args.kinds,
                                       args.polygon):
            bar.advance(task)
    print(f'{args.num} samples in {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
