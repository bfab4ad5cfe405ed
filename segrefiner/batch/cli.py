"""The command-line vocabulary shared by every tool.

Why here: ``demo/demo.py``, ``tools/refine.py``, ``tools/test.py``,
``tools/train.py`` and ``tools/benchmark.py`` spell the same option the same
way (``--seed``/``--seeds``, ``--out``/``--out-dir``, ``--device``,
``--no-progress``, ``--config``/``--checkpoint``/``--trust-checkpoint``,
``--launcher``/``--workers``),
check the device the same way and build the same
:class:`~segrefiner.models.InferenceOptions` (``--steps``, ``--early-exit``
among them). Random weights are said by
``init_refiner`` itself (a ``RandomWeightsWarning``), which every tool
builds its model with.
"""
import argparse
from typing import Optional, Union

import torch

from ..models import InferenceOptions, SegRefiner
from ..models.fast_path import PRECISIONS
from ..protocols import MODES
from .distributed import LAUNCHERS

__all__ = [
    'add_device_arg', 'add_inference_args', 'add_launcher_args',
    'add_mode_arg', 'add_model_args', 'add_output_arg',
    'add_output_folder_args', 'add_progress_arg', 'add_seed_arg',
    'add_trust_arg', 'add_unet_batch_arg', 'check_device',
    'inference_options_of', 'output_folder_of', 'RANDOM_WEIGHTS_NOTE'
]

#: What the timing tools (``benchmark.py``, ``benchmark_disk.py``) say once
#: about their models; their worker processes silence ``init_refiner``'s
#: ``RandomWeightsWarning``, which would say it in each.
RANDOM_WEIGHTS_NOTE = ('models: random initial weights (seeded): this times '
                       'refinement, it does not score it')


def add_seed_arg(parser: argparse.ArgumentParser, many: bool = False,
                 default: Optional[int] = 0,
                 help: str = 'sampling seed') -> None:
    """``--seed``, also spelt ``--seeds`` (``many``: one run per seed)."""
    if many:
        parser.add_argument('--seeds', '--seed', nargs='+', type=int,
                            default=[default], dest='seeds',
                            help='one refinement per seed; mean ± std over '
                            f'them (default: {default})')
    else:
        parser.add_argument('--seed', '--seeds', type=int, nargs='+',
                            action=_OneSeed, default=default, dest='seed',
                            metavar='SEED', help=f'{help} (default: '
                            f'{default})')


class _OneSeed(argparse.Action):
    """``--seed`` of a tool that refines once: ``--seeds 0 1`` is a usage
    error that says so, not argparse's "unrecognized arguments: 1"."""

    def __call__(self, parser, namespace, values, option_string=None):
        if len(values) > 1:
            parser.error(f'{option_string} {" ".join(map(str, values))}: '
                         'this tool refines once, with one seed; '
                         'tools/test.py --seeds scores several')
        setattr(namespace, self.dest, values[0])


def add_output_arg(parser: argparse.ArgumentParser, help: str,
                   required: bool = False) -> None:
    """``--out``, also spelt ``--out-dir`` (one destination, ``args.out``)."""
    parser.add_argument('--out', '--out-dir', dest='out', required=required,
                        metavar='OUT', help=help)


def add_output_folder_args(parser: argparse.ArgumentParser,
                           help: str) -> None:
    """An output folder given as the positional ``OUT_DIR`` or as
    ``--out``/``--out-dir`` (the data tools); read it with
    :func:`output_folder_of`."""
    parser.add_argument('out_dir', nargs='?', metavar='OUT_DIR',
                        help=f'{help} (or --out)')
    add_output_arg(parser, 'OUT_DIR, spelt out')


def output_folder_of(parser: argparse.ArgumentParser,
                     args: argparse.Namespace) -> str:
    """The folder of :func:`add_output_folder_args`; a usage error when it
    is missing or given twice differently."""
    if args.out_dir and args.out and args.out_dir != args.out:
        parser.error(f'OUT_DIR {args.out_dir} and --out {args.out} differ: '
                     'give one')
    if not (args.out or args.out_dir):
        parser.error('the output folder is required: OUT_DIR or --out')
    return args.out or args.out_dir


def add_progress_arg(parser: argparse.ArgumentParser) -> None:
    """``--no-progress``: no progress bar (``args.no_progress``)."""
    parser.add_argument('--no-progress', action='store_true',
                        help='no progress bar')


def add_trust_arg(parser: argparse.ArgumentParser,
                  what: str = 'the checkpoint') -> None:
    """``--trust-checkpoint``: unpickle ``what`` without restrictions
    (``args.trust_checkpoint``); without it checkpoints are read as data."""
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help=f'unpickle {what} without restrictions (only '
                        'files you trust)')


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """``--config``, ``--checkpoint`` (files or named models) and
    ``--trust-checkpoint``, for the tools whose model is optional."""
    parser.add_argument('--config',
                        help='config file, or a named model: demo (the '
                        'embedded model, default), lr, hr')
    parser.add_argument('--checkpoint',
                        help="weights file, or a named model's: lr, hr, "
                        'demo; random for random initial weights (a config '
                        'file needs one)')
    add_trust_arg(parser)


def add_mode_arg(parser: argparse.ArgumentParser,
                 default: Optional[str] = 'auto',
                 help: str = 'refinement protocol') -> None:
    """``--mode``, its choices :data:`~segrefiner.protocols.MODES` (the
    API's ``mode``)."""
    parser.add_argument('--mode', default=default, choices=MODES,
                        help=f'{help} (default: {default})'
                        if default else help)


def add_device_arg(parser: argparse.ArgumentParser) -> None:
    """``--device`` (default ``cpu``); check it with :func:`check_device`."""
    parser.add_argument('--device', default='cpu',
                        help="torch device: 'cpu' (default), 'cuda', "
                        "'cuda:1'")


def check_device(device: str) -> str:
    """``device`` if this machine has it.

    Raises:
        ValueError: For a malformed device or CUDA where torch has none,
            as one line the tools print after ``error:``.

    Examples:
        >>> check_device('cpu')
        'cpu'
    """
    try:
        parsed = torch.device(device)
    except RuntimeError:
        raise ValueError(f'--device {device}: not a torch device (e.g. cpu, '
                         'cuda, cuda:1)') from None
    if parsed.type == 'cuda':
        if not torch.cuda.is_available():
            built = 'built without CUDA' if torch.version.cuda is None else (
                'no GPU visible')
            raise ValueError(f'--device {device}: CUDA is not available '
                             f'(torch {torch.__version__}, {built}); use '
                             '--device cpu')
        if parsed.index is not None and (parsed.index >=
                                         torch.cuda.device_count()):
            raise ValueError(f'--device {device}: only '
                             f'{torch.cuda.device_count()} CUDA device(s)')
    return device


def add_launcher_args(parser: argparse.ArgumentParser) -> None:
    """``--launcher`` (:func:`~.distributed.init_launcher`), torch's legacy
    ``--local-rank`` and ``--workers`` (DataLoader processes decoding the
    inputs ahead)."""
    group = parser.add_argument_group(
        'distributed runs (torchrun --nproc_per_node N TOOL --launcher '
        'pytorch; docs/distributed.md)')
    group.add_argument('--launcher', default='none', choices=LAUNCHERS,
                       help='none: one process (default); pytorch: started '
                       'by torchrun; slurm: by srun (one GPU per task)')
    group.add_argument('--local-rank', '--local_rank', type=int,
                       help=argparse.SUPPRESS)
    group.add_argument('--workers', type=int, default=1, metavar='N',
                       help='processes reading and decoding the inputs '
                       'ahead, per rank (default 1; 0: none)')


def _unet_batch(text: str) -> Union[int, str]:
    """``--unet-batch`` values: an integer >= 1, ``auto`` or ``all``."""
    if text in ('auto', 'all'):
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f'{text!r}: give an integer >= 1, auto or all')
    return value


def _steps(text: str) -> int:
    """``--steps`` values: an integer >= 1 (the model checks ``<= T``)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError('must be >= 1')
    return value


def add_unet_batch_arg(parser: Union[argparse.ArgumentParser,
                                     argparse._ArgumentGroup]) -> None:
    """``--unet-batch N|auto|all`` (``args.unet_batch``; ``None`` when not
    given: the model's own): the values of
    :attr:`~segrefiner.models.InferenceOptions.unet_batch`."""
    parser.add_argument('--unet-batch', type=_unet_batch, metavar='N',
                        help="largest UNet batch: N, 'auto' or 'all' "
                        "(default: the model's test_cfg)")


def add_inference_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--reference``, ``--precision``, ``--unet-batch``, ``--steps``
    and ``--early-exit``."""
    group = parser.add_argument_group('inference options (default: the '
                                      "model's test_cfg, else the fast path)")
    group.add_argument('--reference', action='store_true',
                       help='the fp32 reference path (the official '
                       'computation) instead of the fast path')
    group.add_argument('--precision', choices=PRECISIONS,
                       help="the fast path's autocast precision")
    add_unet_batch_arg(group)
    group.add_argument('--steps', type=_steps, metavar='K',
                       help='reverse steps per crop, 1..T (T = 6 officially; '
                       'fewer is faster, the skipped timesteps jumped '
                       'over; docs/steps.md)')
    group.add_argument('--early-exit', action='store_true', default=None,
                       help='a crop whose predicted mask stops changing '
                       'leaves the batch early (changes the random stream)')


def inference_options_of(args: argparse.Namespace,
                         model: SegRefiner) -> InferenceOptions:
    """The model's options with the flags of :func:`add_inference_args`.

    Raises:
        ValueError: For a combination the options refuse (e.g.
            ``--reference --precision bf16``) or ``--steps`` above the
            model's ``T``.
    """
    options = model.inference_options(
        fast=False if args.reference else None, precision=args.precision,
        unet_batch=args.unet_batch, steps=args.steps,
        early_exit=args.early_exit)
    model.timesteps(options.steps)  # 1..T
    return options
