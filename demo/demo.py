"""Refine one mask and save a picture of it.

Usage::

    python demo/demo.py                          # bundled sample, embedded model
    python demo/demo.py IMAGE MASK --out result.png  # your image and its mask
    python demo/demo.py IMAGE MASK --config hr --mode hr  # official HR weights

The picture shows the image, the coarse mask, the refined mask, the ground
truth (``--gt``; the sample's own by default) and the per-pixel confidence
``|2p - 1|`` of the last step's probabilities ``p`` with its colour scale;
the caption names the model, mode, seed and time, and with a truth mask the
IoU / boundary IoU of the coarse and refined masks. The refined mask is saved
beside the picture as ``<name>_mask.png`` (0/255). ``--out`` (or
``--out-dir``) names the picture, or a folder (an existing one, or a name
without a suffix) that gets ``demo.png`` and ``demo_mask.png``. In the ``lr``
protocol the
confidence panel outlines the crop box in white: outside it nothing is
sampled and the coarse mask is kept, so the confidence there is 1.
"""
import argparse
import os
import sys
import time

import cv2
import torch

from segrefiner.apis import init_refiner, refine
from segrefiner.batch.cli import (add_device_arg, add_inference_args,
                                 add_mode_arg, add_model_args, add_output_arg,
                                 add_seed_arg, check_device,
                                 inference_options_of)
from segrefiner.evaluation import boundary_iou, mask_iou
from segrefiner.io import load_image, load_mask, write_image, write_mask
from segrefiner.model_zoo import RANDOM_WEIGHTS
from segrefiner.protocols import crop_boxes, resolve_mode
from segrefiner.visualization import (BLUE, GREEN, ORANGE, confidence,
                                      overlay, panel_strip, with_caption,
                                      with_colour_bar)

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_IMAGE = os.path.join(HERE, 'sample', 'image.jpg')
SAMPLE_MASK = os.path.join(HERE, 'sample', 'coarse.png')
SAMPLE_GT = os.path.join(HERE, 'sample', 'gt.png')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('image', nargs='?', metavar='IMAGE',
                        help='the picture (default: the bundled sample)')
    parser.add_argument('mask', nargs='?', metavar='MASK',
                        help='its coarse mask (needed with IMAGE)')
    parser.add_argument('--gt', metavar='TRUTH',
                        help='ground-truth mask: adds its panel and IoU / '
                        'boundary IoU (default for the sample: its truth)')
    add_output_arg(parser, 'the picture (default: outputs/demo.png), or a '
                   'folder for FOLDER/demo.png; the refined mask goes beside '
                   'it as <name>_mask.png')
    add_model_args(parser)
    add_mode_arg(parser)
    add_seed_arg(parser)
    add_device_arg(parser)
    add_inference_args(parser)
    args = parser.parse_args()
    args.out = args.out or 'outputs/demo.png'
    if args.image is None:
        args.image, args.mask = SAMPLE_IMAGE, SAMPLE_MASK
        args.gt = args.gt or SAMPLE_GT
    elif args.mask is None:
        parser.error('IMAGE needs its coarse MASK (demo.py IMAGE MASK); '
                     'without both the bundled sample is refined')
    return args


def picture_path(out: str) -> str:
    """The picture's file for ``--out``: ``out/demo.png`` for a folder (an
    existing one, or a name without a suffix), else ``out``.

    Raises:
        ValueError: For a suffix OpenCV cannot write, before any work.
    """
    if os.path.isdir(out) or not os.path.splitext(out)[1]:
        return os.path.join(out, 'demo.png')
    if not cv2.haveImageWriter(out):
        raise ValueError(f'--out {out}: {os.path.splitext(out)[1]!r} is not '
                         'an image format OpenCV writes: name a .png or .jpg '
                         'file, or a folder')
    return out


def model_name(args: argparse.Namespace) -> str:
    """The model as the caption names it."""
    if args.config is None:
        return 'embedded demo model (segrefiner/model_zoo/demo.safetensors)'
    weights = ('RANDOM weights' if args.checkpoint == RANDOM_WEIGHTS else
               os.path.basename(args.checkpoint) if args.checkpoint else
               'its weights')  # a named model's own
    return f'{os.path.basename(args.config)} + {weights}'


def main() -> int:
    args = parse_args()
    try:
        check_device(args.device)
        args.out = picture_path(args.out)
        image, coarse = load_image(args.image), load_mask(args.mask)
        truth = None if args.gt is None else load_mask(args.gt)
        if truth is not None and truth.shape != coarse.shape:
            raise ValueError(f'{args.gt}: size {truth.shape} differs from '
                             f'the mask size {coarse.shape}')
        model = init_refiner(args.config, args.checkpoint, args.device,
                             trust_checkpoint=args.trust_checkpoint)
        # the protocol's choice, once: the caption names it, refine runs it
        protocol = resolve_mode(model, torch.from_numpy(coarse), args.mode)
        mode = protocol + (' (auto)' if args.mode == 'auto' else '')
        start = time.perf_counter()
        probs = refine(model, image, coarse, mode=protocol, seed=args.seed,
                       return_probs=True,
                       options=inference_options_of(args, model))
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    refined = probs >= 0.5
    panels = [image, overlay(image, coarse, ORANGE),
              overlay(image, refined, GREEN)]
    titles = ['image', 'coarse', 'refined']
    caption = [f'model: {model_name(args)}; mode {mode}; seed {args.seed}; '
               f'{seconds:.1f} s on {args.device}']
    if truth is not None:
        panels.append(overlay(image, truth, BLUE))
        titles.append('ground truth')
        caption.append('vs ground truth: ' + ', '.join(
            f'{name} IoU {mask_iou(mask, truth) * 100:.1f} / boundary IoU '
            f'{boundary_iou(mask, truth) * 100:.1f}'
            for name, mask in (('coarse', coarse), ('refined', refined))))
    confidence_map = confidence(probs)
    panels.append(confidence_map)
    titles.append('confidence |2p-1|')
    if mode.startswith('lr') and coarse.any():  # the object crop's box
        box = crop_boxes(model, torch.from_numpy(coarse)[None])[0]
        x0, y0, x1, y1 = (int(v) for v in box)
        cv2.rectangle(confidence_map, (x0, y0), (x1 - 1, y1 - 1),
                      (255, 255, 255), max(1, coarse.shape[0] // 180))
        caption.append('confidence: the white box is the crop refined (lr); '
                       'outside it nothing is sampled and the coarse mask '
                       'is kept, so the confidence there is 1')
    strip = panel_strip(panels, titles)
    picture = with_caption(with_colour_bar(strip), caption)
    stem, _ = os.path.splitext(args.out)
    mask_out = f'{stem}_mask.png'
    write_image(args.out, picture)
    write_mask(mask_out, refined)
    changed = int((refined != coarse).sum())
    print(f'refined {args.mask} in {seconds:.1f} s: {changed} pixels changed;'
          f' picture written to {os.path.abspath(args.out)}, refined mask to '
          f'{os.path.abspath(mask_out)}')
    if truth is not None:
        print(caption[1])  # the scores
    return 0


if __name__ == '__main__':
    sys.exit(main())
