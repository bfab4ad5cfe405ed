"""The inference options on the command line, shared by every tool.

Why here: ``tools/refine.py``, ``tools/test.py`` and ``demo/demo.py`` take the
same flags and build the same :class:`~segrefiner.models.InferenceOptions`.
"""
import argparse
from typing import Optional, Union

from ..models import InferenceOptions, SegRefiner
from ..models.fast_path import PRECISIONS

__all__ = ['add_inference_args', 'inference_options_of']


def _unet_batch(text: str) -> Union[int, str]:
    """``--unet-batch`` values: an integer >= 1, ``auto`` or ``all``."""
    if text in ('auto', 'all'):
        return text
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError('must be >= 1, auto or all')
    return value


def add_inference_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--reference``, ``--precision`` and ``--unet-batch``."""
    group = parser.add_argument_group('inference options (default: the '
                                      "model's test_cfg, else the fast path)")
    group.add_argument('--reference', action='store_true',
                       help='the fp32 reference path (the official '
                       'computation) instead of the fast path')
    group.add_argument('--precision', choices=PRECISIONS,
                       help="the fast path's autocast precision")
    group.add_argument('--unet-batch', type=_unet_batch, metavar='N',
                       help="largest UNet batch: N, 'auto' or 'all'")


def inference_options_of(args: argparse.Namespace,
                         model: SegRefiner) -> InferenceOptions:
    """The model's options with the flags of :func:`add_inference_args`.

    Raises:
        ValueError: For a combination the options refuse (e.g.
            ``--reference --precision bf16``).
    """
    options = model.inference_options(
        fast=False if args.reference else None, precision=args.precision)
    batch: Optional[Union[int, str]] = args.unet_batch
    if batch is None:
        return options
    return options.merged(unet_batch=batch) if batch != 'all' else (
        InferenceOptions(options.fast, options.precision, None))
