"""Refine folders of saved predictions, written back in their own format.

:func:`refine_folder` takes a folder of images and a folder of binary masks
(matched by file stem, or BIG's ``a_im.jpg`` ~ ``a_seg.png``) or of mmseg
label-map PNGs, and writes every refined prediction under its own file name
to an output folder, atomically (:mod:`segrefiner.data.prediction_io`). A bad
input (unreadable, size mismatch, unmatched) is reported as one line naming
the file and the batch goes on; :class:`BatchReport` counts what happened.
The mmdet and COCO result files are in :mod:`.batch_instances`.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence, Tuple, TypeVar

import numpy as np

from ..data.prediction_io import (Pair, clean_stale_temps, fit_to,
                                  pair_files, read_label_map, read_mask_file,
                                  write_label_map, write_mask)
from ..fileio import PathLike, load_image
from ..models import SegRefiner
from ..utils.progress import Progress
from .refine import MODES, refine
from .semantic import refine_semantic

__all__ = [
    'BatchOptions', 'BatchReport', 'FOLDER_FORMATS', 'check_output',
    'describe', 'refine_folder', 'run_batch'
]

#: Folder layouts of :func:`refine_folder`: their image and mask name tags.
FOLDER_FORMATS = dict(masks=('', ''), big=('_im', '_seg'), labelmap=('', ''))
Item = TypeVar('Item')
#: What a batch step returns: ``'refined'``, ``'passed'`` or ``'skipped'``,
#: and a value collected by :func:`run_batch`.
Outcome = Tuple[str, Any]


@dataclass
class BatchOptions:
    """How a batch is refined (the ``tools/refine.py`` flags).

    Attributes:
        seed: Sampling seed of every prediction (``None``: torch's global).
        mode: Binary masks' protocol: ``'auto'``, ``'lr'`` or ``'hr'``.
        ignore_index: Label-map value left untouched (``None``: none).
        resize_mask: Nearest-resize predictions to their image's size
            instead of failing them.
        resume: Skip predictions whose output is already complete.
        progress: Show a progress bar on stderr.
    """
    seed: Optional[int] = 0
    mode: str = 'auto'
    ignore_index: Optional[int] = 255
    resize_mask: bool = False
    resume: bool = False
    progress: bool = True


@dataclass
class BatchReport:
    """What a batch did.

    Attributes:
        out: The output folder or file.
        refined: Predictions refined and written.
        passed: Empty masks written unchanged.
        skipped: Predictions whose output was complete (``resume``).
        failures: One ``'<file>: <problem>'`` line per bad input.
    """
    out: str
    refined: int = 0
    passed: int = 0
    skipped: int = 0
    failures: List[str] = field(default_factory=list)

    def summary(self) -> str:
        """E.g. ``refined 8, skipped 2 (resume), failed 3; outputs in out``."""
        passed = f', passed through {self.passed} (empty)' if (
            self.passed) else ''
        return (f'refined {self.refined}{passed}, skipped {self.skipped} '
                f'(resume), failed {len(self.failures)}; outputs in '
                f'{self.out}')


def describe(name: Any, error: BaseException) -> str:
    """``'<name>: <error>'``, unless the error already names a file first.

    Examples:
        >>> describe('a.png', ValueError('mask size differs'))
        'a.png: mask size differs'
    """
    if isinstance(error, OSError) and error.filename is not None:
        return f'{error.filename}: {error.strerror or error}'
    text = str(error)
    head = text.partition(': ')[0]
    if head == str(name) or (head and os.path.lexists(head)):
        return text
    return f'{name}: {text}'


def run_batch(items: Sequence[Item], name_of: Callable[[Item], Any],
              step: Callable[[Item, Callable[[str], None]], Outcome],
              report: BatchReport, options: BatchOptions,
              unit: str) -> List[Any]:
    """Run ``step(item, warn)`` over ``items`` with a bar, counting outcomes.

    A step that raises ``OSError`` or ``ValueError`` becomes one ``error:``
    line on stderr naming ``name_of(item)``; its value is ``None``.

    Returns:
        The steps' values, in order.
    """
    bar = Progress(len(items), unit, enabled=options.progress)
    values = []
    for item in items:
        value = None
        try:
            status, value = step(item, bar.message)
            setattr(report, status, getattr(report, status) + 1)
        except (OSError, ValueError) as error:
            report.failures.append(describe(name_of(item), error))
            bar.message(f'error: {report.failures[-1]}')
        bar.update()
        values.append(value)
    bar.close()
    return values


def check_output(out: PathLike, inputs: Sequence[PathLike]) -> None:
    """Refuse an output path that is one of the inputs.

    Raises:
        ValueError: Naming the input that ``out`` would overwrite.
    """
    target = Path(out).resolve()
    for path in inputs:
        if Path(path).resolve() == target:
            raise ValueError(f'the output {out} is the input {path}; '
                             'refusing to overwrite inputs')


def refine_folder(model: SegRefiner,
                  image_dir: PathLike,
                  pred_dir: PathLike,
                  out_dir: PathLike,
                  kind: str = 'masks',
                  options: Optional[BatchOptions] = None) -> BatchReport:
    """Refine a folder of binary masks or label maps into ``out_dir``.

    Args:
        model: The refiner.
        image_dir: The images (any suffix of ``MASK_SUFFIXES``; grayscale,
            RGBA and 16-bit are converted).
        pred_dir: The masks (0/1, 0/255, 16-bit, PNG or JPEG) or label maps,
            matched to the images by stem; for ``'big'`` the ``*_seg``
            files matched to the ``*_im`` images (``*_gt`` is ignored).
        out_dir: Gets every refined prediction under its input's file name:
            masks in their input's 0/1 or 0/255 scale (an empty mask is
            written unchanged, with a warning), label maps with their mode
            and palette. It may not be ``image_dir`` or ``pred_dir``.
        kind: ``'masks'`` and ``'big'`` (:func:`~segrefiner.apis.refine`
            with ``options.mode``) or ``'labelmap'``
            (:func:`~segrefiner.apis.refine_semantic`).
        options: Seed, resume and the rest (defaults: :class:`BatchOptions`).

    Returns:
        The :class:`BatchReport`.

    Raises:
        ValueError: For an unknown ``kind`` or ``mode``, or an output folder
            that is an input folder. Bad files are reported, not raised.
        FileNotFoundError: If an input folder is missing.
    """
    options = BatchOptions() if options is None else options
    if kind not in FOLDER_FORMATS:
        raise ValueError(f'kind must be one of {sorted(FOLDER_FORMATS)}, '
                         f'got {kind!r}')
    if options.mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {options.mode!r}')
    for folder in (image_dir, pred_dir):
        if not Path(folder).is_dir():
            raise FileNotFoundError(f'{folder}: no such folder')
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f'the output {out_dir} is a file, not a folder')
    check_output(out_dir, [image_dir, pred_dir])
    image_tag, mask_tag = FOLDER_FORMATS[kind]
    pairs = pair_files(image_dir, pred_dir, image_tag, mask_tag)
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(out_dir, {p.mask.name for p in pairs if p.mask})
    shape_only = kind != 'labelmap'

    def step(pair: Pair, warn: Callable[[str], None]) -> Outcome:
        if pair.problem is not None:
            raise ValueError(pair.problem)
        out = out_dir / pair.mask.name
        check_output(out, [pair.image, pair.mask])
        if options.resume and out.is_file():
            return 'skipped', None
        image = load_image(pair.image)
        if shape_only:
            return _refine_mask(model, image, pair.mask, out, options, warn)
        labels, like = read_label_map(pair.mask)
        labels = fit_to(labels, image.shape[:2], options.resize_mask,
                        'label map')
        write_label_map(out, refine_semantic(model, image, labels,
                                             options.ignore_index,
                                             options.seed), like)
        return 'refined', None

    report = BatchReport(str(out_dir))
    run_batch(pairs, lambda pair: pair.file, step, report, options,
              'masks' if shape_only else 'label maps')
    return report


def _refine_mask(model: SegRefiner, image: np.ndarray, mask_path: Path,
                 out: Path, options: BatchOptions,
                 warn: Callable[[str], None]) -> Outcome:
    """Refine and write one binary mask; an empty one is written as is."""
    mask, value = read_mask_file(mask_path)
    mask = fit_to(mask, image.shape[:2], options.resize_mask)
    if not mask.any():
        write_mask(out, mask, value)
        warn(f'warning: {mask_path}: empty mask, written unchanged')
        return 'passed', None
    refined = refine(model, image, mask, options.mode, options.seed)
    write_mask(out, refined, value)
    return 'refined', None
