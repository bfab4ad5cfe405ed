"""Refine one mask and save a picture of it.

Usage::

    python demo/demo.py                          # bundled sample, embedded model
    python demo/demo.py IMAGE MASK --out result.png  # your image and its mask
    python demo/demo.py IMAGE MASK --config configs/segrefiner/segrefiner_hr.py \
        --checkpoint segrefiner_hr_latest.pth --mode hr

The picture shows the image, the coarse mask, the refined mask and the
per-pixel confidence ``|2p - 1|`` of the last step's probabilities ``p``.
"""
import argparse
import os
import sys
import time

import numpy as np

from segrefiner.apis import init_refiner, refine
from segrefiner.apis.cli import (add_device_arg, add_inference_args,
                                 add_output_arg, add_seed_arg, check_device,
                                 inference_options_of, warn_random_weights)
from segrefiner.io import load_image, load_mask, write_image
from segrefiner.visualization import (GREEN, ORANGE, heatmap, overlay,
                                      panel_strip)

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_IMAGE = os.path.join(HERE, 'sample', 'image.jpg')
SAMPLE_MASK = os.path.join(HERE, 'sample', 'coarse.png')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('image', nargs='?', metavar='IMAGE',
                        help='the picture (default: the bundled sample)')
    parser.add_argument('mask', nargs='?', metavar='MASK',
                        help='its coarse mask (needed with IMAGE)')
    add_output_arg(parser, 'the picture (default: outputs/demo.png)')
    parser.add_argument('--config', help='default: the embedded model')
    parser.add_argument('--checkpoint')
    parser.add_argument('--mode', default='auto', choices=['auto', 'lr', 'hr'])
    add_seed_arg(parser)
    add_device_arg(parser)
    add_inference_args(parser)
    args = parser.parse_args()
    args.out = args.out or 'outputs/demo.png'
    if args.image is None:
        args.image, args.mask = SAMPLE_IMAGE, SAMPLE_MASK
    elif args.mask is None:
        parser.error('IMAGE needs its coarse MASK (demo.py IMAGE MASK); '
                     'without both the bundled sample is refined')
    return args


def main() -> int:
    args = parse_args()
    try:
        check_device(args.device)
        image, coarse = load_image(args.image), load_mask(args.mask)
        model = init_refiner(args.config, args.checkpoint, args.device)
        if args.config is not None and args.checkpoint is None:
            warn_random_weights('demo.py')
        start = time.perf_counter()
        probs = refine(model, image, coarse, mode=args.mode, seed=args.seed,
                       return_probs=True,
                       options=inference_options_of(args, model))
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    refined = probs >= 0.5
    picture = panel_strip([
        image, overlay(image, coarse, ORANGE), overlay(image, refined, GREEN),
        heatmap(np.abs(2 * probs - 1))
    ], ['image', 'coarse', 'refined', 'confidence'])
    write_image(args.out, picture)
    changed = int((refined != coarse).sum())
    print(f'refined {args.mask} in {seconds:.1f} s: {changed} pixels changed;'
          f' picture written to {os.path.abspath(args.out)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
