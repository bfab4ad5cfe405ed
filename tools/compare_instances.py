"""Per-instance coarse vs refined scores of a folder evaluation.

Usage::

    python tools/test.py demo demo --dataset folder \
        --data-root data/labelme_val \
        --coarse-root data/labelme_val/coarse_mask_head --mode lr --seeds 0 \
        --out work_dirs/labelme_head
    python tools/compare_instances.py data/labelme_val \
        data/labelme_val/coarse_mask_head work_dirs/labelme_head [--worse 0.5] \
        [--worst-picture worst.png]

``tools/test.py`` pools IoU over a dataset, where large objects dominate;
this tool scores each instance (``masks/<stem>.png`` of the data root, its
coarse mask and its refined mask, paired by stem): mask IoU and boundary IoU
(:mod:`segrefiner.evaluation.functional`) of the coarse and the refined mask,
one row per instance, then their means and the number of instances whose
refined IoU is more than ``--worse`` IoU points below the coarse one.
``--worst-picture`` draws the instance that lost the most IoU (or gained the
least), cropped around it: coarse, refined and truth over the image
(``images/<stem>.*`` of the data root) and what the refinement changed.
"""
import argparse
import sys
from pathlib import Path
from typing import List, Optional

import numpy as np
from rich.console import Console
from rich.table import Table

from segrefiner.evaluation.functional import boundary_iou, mask_iou
from segrefiner.io import load_image, load_mask, write_image
from segrefiner.visualization import (BLUE, GREEN, ORANGE, change_map,
                                      overlay, panel_strip, with_caption)

_MARGIN = 0.15  # of the object's box side, around the worst instance


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='folder with masks/ (the truth)')
    parser.add_argument('coarse', help='folder of coarse masks')
    parser.add_argument('refined', help='folder of refined masks')
    parser.add_argument('--worse', type=float, default=0.5,
                        help='count instances worse by more than this many '
                        'IoU points (default 0.5)')
    parser.add_argument('--worst-picture', metavar='PNG',
                        help='draw the instance with the largest IoU loss')
    return parser.parse_args(argv)


def draw_worst(data_root: str, stem: str, masks: List[np.ndarray],
               caption: str, out: str) -> None:
    """Coarse, refined, truth and the change, around one instance."""
    images = sorted(Path(data_root, 'images').glob(f'{stem}.*'))
    if not images:
        raise OSError(f'{data_root}/images/{stem}.*: no image')
    image = load_image(images[0])
    coarse, refined, truth = masks
    ys, xs = np.nonzero(coarse | refined | truth)
    pad = round(_MARGIN * max(np.ptp(ys), np.ptp(xs), 1))
    y0, x0 = max(ys.min() - pad, 0), max(xs.min() - pad, 0)
    y1, x1 = ys.max() + pad + 1, xs.max() + pad + 1
    crop = (slice(y0, y1), slice(x0, x1))
    tile = image[crop]
    strip = panel_strip(
        [overlay(tile, coarse[crop], ORANGE),
         overlay(tile, refined[crop], GREEN),
         overlay(tile, truth[crop], BLUE),
         change_map(tile, coarse[crop], refined[crop])],
        ['coarse', 'refined', 'truth', 'change'])
    write_image(out, with_caption(
        strip, [caption, 'change: green added, magenta removed']))


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    truths = sorted(Path(args.data_root, 'masks').glob('*.png'))
    if not truths:
        print(f'error: {args.data_root}/masks: no .png masks',
              file=sys.stderr)
        return 1
    table = Table('instance', 'IoU coarse', 'IoU refined', 'delta',
                  'bIoU coarse', 'bIoU refined')
    sums, worse, worst = [0.0] * 4, 0, None
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
        if worst is None or delta < worst[0]:
            worst = (delta, path.stem, pair + [gt], scores)
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
    if args.worst_picture:
        delta, stem, masks, scores = worst
        caption = (f'{stem}: IoU {scores[0]:.2f} -> {scores[2]:.2f} '
                   f'({delta:+.2f}), boundary IoU {scores[1]:.2f} -> '
                   f'{scores[3]:.2f}')
        try:
            draw_worst(args.data_root, stem, masks, caption,
                       args.worst_picture)
        except (OSError, ValueError) as error:
            print(f'error: {error}', file=sys.stderr)
            return 1
        print(f'worst instance {stem} -> {args.worst_picture}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
