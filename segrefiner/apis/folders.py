"""Refine folders of saved predictions, written back in their own format.

:func:`refine_folder` takes a folder of images and a folder of binary masks
(matched by file stem, or BIG's ``a_im.jpg`` ~ ``a_seg.png``) or of mmseg
label-map PNGs, and writes every refined prediction under its own file name
to an output folder, atomically. Bad inputs are reported by
:func:`~.batch.run_batch` and the batch goes on.
"""
from pathlib import Path
from typing import Callable, List, Optional

from ..io import (Pair, PathLike, clean_stale_temps, fit_to, load_image,
                  mask_output_name, pair_files, read_label_map,
                  read_mask_file, write_label_map, write_mask)
from ..models import SegRefiner
from ..protocols import MODES
from .batch import BatchOptions, BatchReport, Outcome, check_output, run_batch
from .distributed import barrier, is_main_process
from .predictor import SegRefinerPredictor

__all__ = ['FOLDER_FORMATS', 'refine_folder']

#: Folder layouts of :func:`refine_folder`: their image and mask name tags.
FOLDER_FORMATS = dict(masks=('', ''), big=('_im', '_seg'), labelmap=('', ''))


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
            A JPEG mask's refinement is written as PNG (``a.jpg`` ->
            ``a.png``, said once on stderr): a mask is never lossy.
            A ``'masks'`` file (PNG and other lossless formats) with more
            than two values is refused as a likely label map.
        kind: ``'masks'`` and ``'big'`` (:func:`~segrefiner.apis.refine`
            with ``options.mode``) or ``'labelmap'``
            (:func:`~segrefiner.apis.refine_semantic`).
        options: Seed, resume and the rest (defaults: :class:`BatchOptions`).

    Returns:
        The :class:`BatchReport`.

    Raises:
        ValueError: For an unknown ``kind`` or ``mode``, an output folder
            that is an input folder, or (``'masks'``) a first mask that is
            not binary. Bad files are reported, not raised.
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
    if kind == 'masks':
        _check_binary(pairs)
    if is_main_process():  # before any rank writes a temporary file
        out_dir.mkdir(parents=True, exist_ok=True)
        clean_stale_temps(out_dir, {mask_output_name(p.mask.name)
                                    for p in pairs if p.mask})
    barrier()
    shape_only = kind != 'labelmap'
    predictor = SegRefinerPredictor(model, options.inference)
    said_png: List[str] = []  # the JPEG -> PNG note, said once

    def out_of(pair: Pair) -> Path:
        """Where the refinement of ``pair`` goes."""
        return out_dir / mask_output_name(pair.mask.name)

    def write(pair: Pair, mask, value: int,
              warn: Callable[[str], None]) -> None:
        """Write a refined binary mask (JPEG inputs as PNG, said once)."""
        out = out_of(pair)
        if out.name != pair.mask.name and not said_png:
            said_png.append(out.name)
            warn(f'note: JPEG masks are written as PNG, losslessly '
                 f'({pair.mask.name} -> {out.name})')
        write_mask(out, mask, value)

    def load(pair: Pair) -> Optional[tuple]:
        """The decoded image and prediction (``None``: already done)."""
        if pair.problem is not None:
            raise ValueError(pair.problem)
        out = out_of(pair)
        check_output(out, [pair.image, pair.mask])
        if options.resume and out.is_file():
            return None
        image = load_image(pair.image)
        if shape_only:
            mask, value = read_mask_file(pair.mask, binary_only=True)
            return image, fit_to(mask, image.shape[:2],
                                 options.resize_mask), value
        labels, like = read_label_map(pair.mask)
        return image, fit_to(labels, image.shape[:2], options.resize_mask,
                             'label map'), like

    def step(pair: Pair, loaded: Optional[tuple],
             warn: Callable[[str], None]) -> Outcome:
        """One label map."""
        if loaded is None:
            return 'skipped', None
        image, labels, like = loaded
        write_label_map(out_of(pair), predictor.refine_semantic(
            image, labels, options.ignore_index, options.seed), like)
        return 'refined', None

    def refine_masks(pairs: List[Pair], loaded: List[Optional[tuple]],
                     warn: Callable[[str], None]) -> List[Outcome]:
        """Binary masks of ``options.batch_images`` images, refined
        together; empty masks are written unchanged."""
        outcomes: List[Outcome] = [('skipped', None)] * len(pairs)
        todo = []
        for k, (pair, item) in enumerate(zip(pairs, loaded)):
            if item is not None and not item[1].any():
                write(pair, item[1], item[2], warn)
                warn(f'warning: {pair.mask}: empty mask, written unchanged')
                outcomes[k] = ('passed:empty', None)
            elif item is not None:
                todo.append(k)
        refined = predictor.refine_together(
            [loaded[k][0] for k in todo], [loaded[k][1] for k in todo],
            options.mode, options.seed) if todo else []
        for k, mask in zip(todo, refined):
            write(pairs[k], mask, loaded[k][2], warn)
            outcomes[k] = ('refined', None)
        return outcomes

    report = BatchReport(str(out_dir))
    if shape_only:
        run_batch(pairs, lambda pair: pair.file, None, report,
                  options.progress, 'masks', load, options.workers,
                  options.batch_images, refine_masks)
    else:
        run_batch(pairs, lambda pair: pair.file, step, report,
                  options.progress, 'label maps', load, options.workers)
    return report


def _check_binary(pairs: List[Pair]) -> None:
    """Refuse the folder if its first readable mask is not binary.

    One error for the whole folder before anything is refined, rather than
    one per label map; later files are still checked one by one.

    Raises:
        ValueError: Naming the file and ``--format labelmap``.
    """
    for pair in pairs:
        if pair.problem is None:
            try:
                read_mask_file(pair.mask, binary_only=True)
            except ValueError as error:
                if 'labelmap' in str(error):
                    raise
                continue  # an unreadable file: reported by the batch
            return
