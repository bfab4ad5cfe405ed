"""Refine saved predictions and write them back in the format they came in.

Usage::

    # binary masks matched to images by file stem (a.jpg ~ a.png)
    python tools/refine.py IMAGES_DIR MASKS_DIR --out OUT_DIR [--mode hr]
    python tools/refine.py --img-dir IMAGES_DIR --mask-dir MASKS_DIR \
        --out-dir OUT_DIR                                  # the same
    # on N GPUs (or N CPU processes), each input refined once by one rank
    torchrun --nproc_per_node N tools/refine.py IMAGES_DIR MASKS_DIR \
        --out OUT_DIR --launcher pytorch --device cuda
    # BIG / CascadePSP: a_im.jpg ~ a_seg.png in one folder (a_gt.png ignored)
    python tools/refine.py BIG_DIR --out OUT_DIR
    # mmseg label maps (tools/test.py --out): one class-index PNG per image
    python tools/refine.py IMAGES_DIR LABEL_DIR --format labelmap --out OUT_DIR
    # mmdet 3.x tools/test.py --out results.pkl
    python tools/refine.py IMAGES_DIR results.pkl --out refined.pkl
    # COCO result json, its images named by the annotation file
    python tools/refine.py IMAGES_DIR results.segm.json \
        --ann instances_val.json --out refined.segm.json
    # segment-anything's scripts/amg.py output (PNGs, or --convert-to-rle)
    python tools/refine.py IMAGES_DIR SAM_OUT --out OUT_DIR

``IMAGES`` is the image folder and ``PREDICTIONS`` the predictions (a folder,
or a ``.pkl`` / ``.json`` file); ``PREDICTIONS`` defaults to ``IMAGES``, which
only BIG's one-folder layout uses. ``--format auto`` picks ``mmdet-pkl`` for a
``.pkl``, ``coco-json`` for a ``.json``, ``sam`` for a folder of
``<stem>/metadata.csv`` folders or ``<stem>.json`` files, ``big`` for
``*_im``/``*_seg`` files and ``masks`` otherwise (segrefiner/formats/,
docs/formats.md); a ``masks`` folder whose PNGs hold more than two values
(label maps) is refused: name label maps with ``--format labelmap``.
Images may be grayscale, RGBA or 16-bit; masks 0/1 or 0/255, PNG or JPEG.

Folder formats write each refined prediction to ``OUT_DIR`` under its input's
file name (masks in their input's 0/1 or 0/255 scale; an empty mask is written
unchanged with a warning; ``sam``: the same folders, files and rows, only the
refined masks and their ``area`` and ``bbox`` changed); ``mmdet-pkl`` and
``coco-json`` write one file of the input's structure with refined RLE masks,
and only if at least one image was refined (masks under the model's
``area_thr`` pass through unchanged).
Every file is written under a temporary name and renamed, so an interrupted run leaves no partial output;
``--resume`` skips outputs that exist (for one-file outputs, the images done,
kept in a hidden ``.NAME.partial`` folder beside it until the file is written).
Inputs are never overwritten. Each bad input (unreadable, size mismatch
without ``--resize-mask``, unmatched) gets one ``error:`` line on stderr and
the rest go on; the run ends with a summary (refined, passed through and
why, skipped, failed) and exits with 1 if any failed or nothing was written.
Without ``--config`` the embedded default model is used.

With ``--launcher pytorch`` (``torchrun``, ``tools/dist_refine.sh``) or
``slurm`` every rank refines every N-th input with the same seed per input,
so the outputs are those of one process whatever N: folder outputs are
written by the rank that refines them, a one-file output is gathered to
rank 0 and written once, and rank 0 prints the summary
(docs/distributed.md). ``--workers`` processes per rank read and decode the
inputs ahead of the UNet.
"""
import argparse
import sys
from pathlib import Path
from typing import List, Optional

from mmengine.config import DictAction
from torch.distributed.elastic.multiprocessing.errors import record

from segrefiner.apis import init_refiner
from segrefiner.apis.batch import BatchOptions, check_output
from segrefiner.apis.cli import (add_device_arg, add_inference_args,
                                 add_launcher_args, add_mode_arg,
                                 add_model_args, add_output_arg,
                                 add_progress_arg, add_seed_arg, check_device,
                                 inference_options_of)
from segrefiner.apis.distributed import (finish_launcher, init_launcher,
                                         is_main_process, rank_tag)
from segrefiner.apis.folders import refine_folder
from segrefiner.apis.result_files import refine_results
from segrefiner.formats import FORMATS, check_flags, detect_format


def ignore_index(text: str) -> Optional[int]:
    """``--ignore-index`` values: an integer or ``none``."""
    return None if text.lower() == 'none' else int(text)


def takers(flag: str) -> str:
    """The formats that take ``flag``, e.g. ``'masks, big'``."""
    return ', '.join(name for name, fmt in FORMATS.items()
                     if flag in fmt.flags)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        epilog=__doc__.split('\n\n', 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('images', nargs='?', metavar='IMAGES',
                        help='image folder (or --img-dir)')
    parser.add_argument('predictions',
                        nargs='?',
                        metavar='PREDICTIONS',
                        help='mask / label-map folder, .pkl or .json, or '
                        '--mask-dir (default: IMAGES, for BIG)')
    parser.add_argument('--img-dir', help='IMAGES, spelt out')
    parser.add_argument('--mask-dir', help='PREDICTIONS, spelt out')
    add_output_arg(parser, 'output folder (folder formats) or file',
                   required=True)
    parser.add_argument('--format',
                        default='auto',
                        choices=('auto', ) + tuple(FORMATS),
                        help='input layout (default: detected): ' + '; '.join(
                            f'{name}: {fmt.reads}'
                            for name, fmt in FORMATS.items()))
    parser.add_argument('--ann', help='COCO annotation json (coco-json)')
    add_model_args(parser)
    parser.add_argument('--cfg-options',
                        nargs='+',
                        action=DictAction,
                        help='config overrides, key=value')
    add_device_arg(parser)
    add_seed_arg(parser)
    add_mode_arg(parser, help=f'protocol of binary masks ({takers("mode")})')
    parser.add_argument('--ignore-index',
                        type=ignore_index,
                        default=255,
                        help="label-map value left as is, or 'none' "
                        '(default 255)')
    parser.add_argument('--resize-mask',
                        action='store_true',
                        help='nearest-resize predictions to the image size '
                        'instead of failing them')
    parser.add_argument('--batch-images', type=int, default=1, metavar='N',
                        help='refine the object crops of N consecutive '
                        'images in shared UNet batches ('
                        f'{takers("batch_images")}; '
                        'default 1: each image alone, '
                        "as the Python API). Fills a GPU's batches when "
                        'images have few objects; the outputs then depend '
                        'on N, never on the number of ranks')
    parser.add_argument('--resume',
                        action='store_true',
                        help='skip outputs that are already complete')
    add_progress_arg(parser)
    add_launcher_args(parser)
    add_inference_args(parser)
    args = parser.parse_args(argv)
    for name, spelt in (('images', 'img_dir'), ('predictions', 'mask_dir')):
        given, option = getattr(args, name), getattr(args, spelt)
        if given is not None and option is not None and given != option:
            parser.error(f'{name.upper()} {given} and --'
                         f'{spelt.replace("_", "-")} {option} differ: give '
                         'one')
        setattr(args, name, given if option is None else option)
    if args.images is None:
        parser.error('the image folder is required: IMAGES or --img-dir')
    if args.batch_images < 1:
        parser.error(f'--batch-images must be >= 1, got {args.batch_images}')
    if args.predictions is None:
        args.predictions = args.images
    if args.format == 'auto':
        args.format = detect_format(args.images, args.predictions)
    given = [flag for flag, on in (('ann', args.ann is not None),
                                   ('mode', args.mode != 'auto'),
                                   ('batch_images', args.batch_images > 1))
             if on]
    problem = check_flags(args.format, given) or FORMATS[args.format].check(
        Path(args.images), Path(args.predictions))
    if problem is not None:
        parser.error(problem)
    return args


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tool; 0 when every input was refined, else 1."""
    args = parse_args(argv)
    inputs = [args.images, args.predictions] + [args.ann] * bool(args.ann)
    try:
        if not Path(args.images).is_dir():
            raise FileNotFoundError(f'{args.images}: no such folder')
        check_output(args.out, inputs)  # before the model loads
        device = init_launcher(args.launcher, check_device(args.device))
        model = init_refiner(args.config, args.checkpoint, device,
                             args.cfg_options, args.trust_checkpoint)
        options = BatchOptions(seed=args.seed,
                               mode=args.mode,
                               ignore_index=args.ignore_index,
                               resize_mask=args.resize_mask,
                               resume=args.resume,
                               progress=not args.no_progress,
                               inference=inference_options_of(args, model),
                               workers=args.workers,
                               batch_images=args.batch_images)
        if FORMATS[args.format].one_file:
            report = refine_results(model, args.images, args.predictions,
                                    args.out, args.format, options, args.ann)
        else:
            report = refine_folder(model, args.images, args.predictions,
                                   args.out, args.format, options)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
        print(f'error: {rank_tag()}{error}', file=sys.stderr)
        return 1
    finally:
        main_process = is_main_process()
        finish_launcher()
    if not main_process:  # rank 0 reports for every rank
        return 0
    print(report.summary())
    if report.not_written:
        print(f'error: {args.out} not written: {report.not_written}',
              file=sys.stderr)
    return 1 if report.failures or report.not_written else 0


if __name__ == '__main__':
    sys.exit(record(main)())  # torchrun shows a failing rank's traceback
