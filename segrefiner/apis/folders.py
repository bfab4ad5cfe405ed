"""Refine folders of saved predictions, written back in their own format.

:func:`refine_folder` takes a folder of images and a folder of predictions
in one of the folder formats of :data:`~segrefiner.formats.FORMATS` (binary
masks matched by file stem, BIG's ``a_im.jpg`` ~ ``a_seg.png``, mmseg label
maps, segment-anything's automatic masks, ...), refines each image's
prediction with the protocol its format names and writes it under its own
name to an output folder, atomically. Bad inputs are reported by
:func:`~.batch.run_batch` and the batch goes on.
"""
from pathlib import Path
from typing import Callable, List, NamedTuple, Optional

import numpy as np

from ..formats import FORMATS, FolderFormat, Prediction
from ..io import Pair, PathLike, clean_stale_temps, load_image
from ..models import SegRefiner
from ..protocols import check_mode
from .batch import (BatchOptions, BatchReport, GroupStep, Outcome,
                    check_output, run_batch)
from .distributed import barrier, is_main_process
from .instance_batch import count_masks, refine_images
from .predictor import SegRefinerPredictor

__all__ = ['FOLDER_FORMATS', 'refine_folder']

#: The formats :func:`refine_folder` takes.
FOLDER_FORMATS = tuple(name for name, fmt in FORMATS.items()
                       if isinstance(fmt, FolderFormat))


class Loaded(NamedTuple):
    """An image and its prediction, read ahead of the refinement."""
    image: np.ndarray
    prediction: Prediction


def refine_folder(model: SegRefiner,
                  image_dir: PathLike,
                  pred_dir: PathLike,
                  out_dir: PathLike,
                  kind: str = 'masks',
                  options: Optional[BatchOptions] = None) -> BatchReport:
    """Refine a folder of predictions of one format into ``out_dir``.

    Args:
        model: The refiner.
        image_dir: The images (any suffix of ``MASK_SUFFIXES``; grayscale,
            RGBA and 16-bit are converted).
        pred_dir: The predictions, matched to the images by the format
            (``'masks'``, ``'labelmap'``: by stem; ``'big'``: the ``*_seg``
            files to the ``*_im`` images, ``*_gt`` ignored).
        out_dir: Gets every refined prediction under its input's name, in
            its input's layout (masks in their 0/1 or 0/255 scale, an empty
            mask unchanged with a warning; label maps with their mode and
            palette). It may not be ``image_dir`` or ``pred_dir``.
        kind: A format of :data:`FOLDER_FORMATS`: its protocol decides the
            refinement: binary masks by
            :meth:`~.predictor.SegRefinerPredictor.refine_together` with
            ``options.mode``, label maps by ``refine_semantic``, the many
            masks of an image by ``refine_instances_together`` (masks under
            ``area_thr`` pass through and are counted in ``report.masks``).
        options: Seed, resume and the rest (defaults: :class:`BatchOptions`).

    Returns:
        The :class:`BatchReport`.

    Raises:
        ValueError: For an unknown ``kind`` or ``mode``, an output folder
            that is an input folder, or an input the format refuses whole
            (``'masks'``: a first mask that is not binary). Bad files are
            reported, not raised.
        FileNotFoundError: If an input folder is missing.
    """
    options = BatchOptions() if options is None else options
    if kind not in FOLDER_FORMATS:
        raise ValueError(f'kind must be one of {sorted(FOLDER_FORMATS)}, '
                         f'got {kind!r}')
    check_mode(options.mode)
    fmt: FolderFormat = FORMATS[kind]
    for folder in (image_dir, pred_dir):
        if not Path(folder).is_dir():
            raise FileNotFoundError(f'{folder}: no such folder')
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f'the output {out_dir} is a file, not a folder')
    check_output(out_dir, [image_dir, pred_dir])
    pairs = fmt.pairs(Path(image_dir), Path(pred_dir))
    fmt.check_pairs(pairs)
    if is_main_process():  # before any rank writes a temporary file
        out_dir.mkdir(parents=True, exist_ok=True)
        clean_stale_temps(out_dir, {p.mask.name for p in pairs if p.mask})
    barrier()
    predictor = SegRefinerPredictor(model, options.inference)

    def load(pair: Pair) -> Optional[Loaded]:
        """The decoded image and prediction (``None``: already done)."""
        if pair.problem is not None:
            raise ValueError(pair.problem)
        out = out_dir / pair.mask.name
        check_output(out, [pair.image, pair.mask])
        if options.resume and out.exists():
            return None
        image = load_image(pair.image)
        return Loaded(image, fmt.read(pair, image.shape[:2],
                                      options.resize_mask))

    steps = dict(mask=_mask_step, labelmap=_label_map_step,
                 instances=_instance_step)
    step = steps[fmt.protocol](fmt, predictor, out_dir, options)
    report = BatchReport(str(out_dir))
    # label maps one by one: a bad one fails alone
    group = 1 if fmt.protocol == 'labelmap' else options.batch_images
    values = run_batch(pairs, lambda pair: pair.file, None, report,
                       options.progress, fmt.unit, load, options.workers,
                       group, step)
    if fmt.protocol == 'instances' and values is not None:
        count_masks(report, values, model.test_cfg['area_thr'])
    return report


def _mask_step(fmt: FolderFormat, predictor: SegRefinerPredictor,
               out_dir: Path, options: BatchOptions) -> GroupStep:
    """Binary masks of ``options.batch_images`` images, refined together;
    empty masks are written unchanged."""

    def step(pairs: List[Pair], loaded: List[Optional[Loaded]],
             warn: Callable[[str], None]) -> List[Outcome]:
        outcomes = [Outcome('skipped')] * len(pairs)
        todo = []
        for k, (pair, item) in enumerate(zip(pairs, loaded)):
            if item is not None and not item.prediction.data.any():
                fmt.write(out_dir / pair.mask.name, item.prediction,
                          item.prediction.data)
                warn(f'warning: {pair.mask}: empty mask, written unchanged')
                outcomes[k] = Outcome('passed:empty')
            elif item is not None:
                todo.append(k)
        refined = predictor.refine_together(
            [loaded[k].image for k in todo],
            [loaded[k].prediction.data for k in todo], options.mode,
            options.seed) if todo else []
        for k, mask in zip(todo, refined):
            fmt.write(out_dir / pairs[k].mask.name, loaded[k].prediction,
                      mask)
            outcomes[k] = Outcome('refined')
        return outcomes

    return step


def _label_map_step(fmt: FolderFormat, predictor: SegRefinerPredictor,
                    out_dir: Path, options: BatchOptions) -> GroupStep:
    """Label maps, one image at a time."""

    def step(pairs: List[Pair], loaded: List[Optional[Loaded]],
             warn: Callable[[str], None]) -> List[Outcome]:
        outcomes = []
        for pair, item in zip(pairs, loaded):
            if item is None:
                outcomes.append(Outcome('skipped'))
                continue
            fmt.write(out_dir / pair.mask.name, item.prediction,
                      predictor.refine_semantic(item.image,
                                                item.prediction.data,
                                                options.ignore_index,
                                                options.seed))
            outcomes.append(Outcome('refined'))
        return outcomes

    return step


def _instance_step(fmt: FolderFormat, predictor: SegRefinerPredictor,
                   out_dir: Path, options: BatchOptions) -> GroupStep:
    """The masks of ``options.batch_images`` images, refined together
    (:func:`~.instance_batch.refine_images`); an image with nothing to
    refine is written back unchanged. Values: each image's mask counts."""

    def step(pairs: List[Pair], loaded: List[Optional[Loaded]],
             warn: Callable[[str], None]) -> List[Outcome]:
        outcomes = [Outcome('skipped')] * len(pairs)
        todo = [k for k, item in enumerate(loaded) if item is not None]
        results = refine_images(predictor,
                                [loaded[k].image for k in todo],
                                [loaded[k].prediction.data for k in todo],
                                options.seed)
        for k, result in zip(todo, results):
            prediction = loaded[k].prediction
            fmt.write(out_dir / pairs[k].mask.name, prediction,
                      prediction.data if result.masks is None else
                      result.masks)
            outcomes[k] = Outcome(result.status, result.counts)
        return outcomes

    return step
