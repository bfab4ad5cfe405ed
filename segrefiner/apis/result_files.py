"""Refine one-file instance results: mmdet ``.pkl``, COCO json and the like.

The file formats of :data:`~segrefiner.formats.FORMATS` (``one_file``)
read a result file into one group of instances per image; every image's
masks are refined in one
:meth:`~.predictor.SegRefinerPredictor.refine_instances` call and the file
is written back with the same structure and every other field as it was;
the refined RLE keeps ``counts`` as ``bytes`` or ``str`` like its input.
The output is written atomically once all images are done; meanwhile each
image's result is kept in a hidden ``.<out>.partial`` folder beside it,
which ``resume`` reads to skip finished images.
"""
import hashlib
import pickle
from pathlib import Path
from typing import Any, List, NamedTuple, Optional

import numpy as np

from ..formats import FORMATS, FileFormat, Group
from ..io import (PathLike, atomic_write_bytes, clean_stale_temps,
                  decode_segmentation, encode_rle, fit_to, load_image,
                  resolve_image)
from ..models import SegRefiner
from .batch import BatchOptions, BatchReport, Outcome, check_output, run_batch
from .distributed import barrier, is_main_process
from .instance_batch import MaskCounts, count_masks, refine_images
from .partial_store import PartialStore
from .predictor import SegRefinerPredictor

__all__ = ['RESULT_FORMATS', 'refine_results']

#: The formats :func:`refine_results` takes.
RESULT_FORMATS = tuple(name for name, fmt in FORMATS.items()
                       if isinstance(fmt, FileFormat))


class Loaded(NamedTuple):
    """A group read ahead: its digest, and its stored result (``resume``)
    or its image and coarse masks."""
    digest: str
    stored: Optional[list] = None
    image: Optional[np.ndarray] = None
    masks: Optional[np.ndarray] = None


class GroupResult(NamedTuple):
    """A group's refined segmentations (``None``: unchanged) and counts."""
    segmentations: Optional[list]
    counts: MaskCounts


def _decode(segmentation: Any, size: Optional[tuple],
            image_size: tuple) -> np.ndarray:
    """An HxW mask of one RLE dict or polygon list (``ValueError`` if bad)."""
    try:
        if isinstance(segmentation, dict) and 'size' in segmentation:
            size = tuple(segmentation['size'])
        height, width = size if size is not None else image_size
        return decode_segmentation(segmentation, int(height), int(width))
    except (TypeError, KeyError, IndexError, ValueError) as error:
        raise ValueError(f'a mask is not a valid RLE or polygon ({error!r})')


def _refine_groups(model: SegRefiner, image_dir: PathLike,
                   groups: List[Group], store: PartialStore,
                   report: BatchReport,
                   options: BatchOptions) -> Optional[List[Optional[list]]]:
    """Each group's refined RLE list, ``None`` for those not refined.

    An image whose masks are all under ``area_thr`` (which the object-crop
    protocol passes through) counts as passed through, not refined;
    ``report.masks`` counts the masks of both kinds. ``None`` on the ranks
    other than 0 of a distributed run.
    """
    predictor = SegRefinerPredictor(model, options.inference)

    def load(group: Group) -> Loaded:
        """A finished group's stored result, else its image and masks."""
        if group.problem is not None:
            raise ValueError(group.problem)
        digest = hashlib.sha1(
            pickle.dumps((group.name, group.segmentations, options.seed,
                          options.resize_mask, options.inference))).hexdigest()
        stored = store.get(group.key, digest) if options.resume else None
        if stored is not None:
            return Loaded(digest, stored)
        image = load_image(resolve_image(image_dir, group.name))
        masks = np.stack([
            _decode(seg, group.size, image.shape[:2])
            for seg in group.segmentations
        ]) if group.segmentations else np.zeros((0, ) + image.shape[:2],
                                                np.uint8)
        return Loaded(digest, image=image,
                      masks=fit_to(masks, image.shape[:2],
                                   options.resize_mask, 'instance mask'))

    def refine_group(members: List[Group], loaded: List[Loaded],
                     warn) -> List[Outcome]:
        """The images of ``options.batch_images`` results, their masks
        refined together."""
        outcomes = [
            Outcome('skipped', GroupResult(item.stored, MaskCounts()))
            for item in loaded
        ]
        todo = [k for k, item in enumerate(loaded) if item.stored is None]
        results = refine_images(predictor, [loaded[k].image for k in todo],
                                [loaded[k].masks for k in todo], options.seed)
        for k, result in zip(todo, results):
            value = None
            if result.masks is not None:
                value = [
                    encode_rle(mask, not isinstance(seg.get('counts'), bytes)
                               if isinstance(seg, dict) else True)
                    for mask, seg in zip(result.masks,
                                         members[k].segmentations)
                ]
                store.put(members[k].key, loaded[k].digest, value)
            outcomes[k] = Outcome(result.status,
                                  GroupResult(value, result.counts))
        return outcomes

    outcomes = run_batch(groups, lambda group: group.name, None, report,
                         options.progress, 'images', load, options.workers,
                         options.batch_images, refine_group)
    if outcomes is None:
        return None
    count_masks(report, (None if value is None else value.counts
                         for value in outcomes), model.test_cfg['area_thr'])
    return [None if value is None else value.segmentations
            for value in outcomes]


def _prepare(out: PathLike, inputs: List[PathLike]) -> Path:
    """The output file (``out/<input name>`` for a folder), checked."""
    for path in inputs:
        if not Path(path).is_file():
            raise FileNotFoundError(f'{path}: no such file')
    out = Path(out)
    if out.is_dir():
        out = out / Path(inputs[0]).name
    check_output(out, inputs)
    if is_main_process():  # the only rank that writes out
        out.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temps(out.parent, [out.name])
    return out


def refine_results(model: SegRefiner,
                   image_dir: PathLike,
                   results: PathLike,
                   out: PathLike,
                   kind: str,
                   options: Optional[BatchOptions] = None,
                   ann_file: Optional[PathLike] = None) -> BatchReport:
    """Refine the masks of a one-file result into ``out``.

    Images are found under ``image_dir`` by the name the result gives
    (mmdet's ``img_path``, the annotation file's ``file_name``; see
    :func:`~segrefiner.io.resolve_image`). An image that cannot be refined
    (no image file, bad masks, not in the annotations) is reported and
    written back unchanged; if no image is refined, ``out`` is not written
    (``report.not_written``). In a distributed run every rank refines its
    share and rank 0 writes ``out`` once; the other ranks return an empty
    report. Pickles are read as data
    (:func:`~segrefiner.io.read_result_file`), never run.

    Args:
        model: The refiner.
        image_dir: The images' folder.
        results: The result file (``.pkl``, ``.json``).
        out: The output file (a folder: the input's name in it).
        kind: A format of :data:`RESULT_FORMATS` (``'mmdet-pkl'``,
            ``'coco-json'``).
        options: Seed, ``resize_mask``, ``resume``, progress.
        ann_file: The annotation json (``'coco-json'``: maps
            ``image_id`` to ``file_name``).

    Returns:
        The :class:`BatchReport` (one item per image).

    Raises:
        ValueError: For an unknown ``kind``, or a file that is not of it.
        FileNotFoundError: For a missing input.
    """
    options = BatchOptions() if options is None else options
    if kind not in RESULT_FORMATS:
        raise ValueError(f'kind must be one of {sorted(RESULT_FORMATS)}, '
                         f'got {kind!r}')
    fmt: FileFormat = FORMATS[kind]
    out = _prepare(out, fmt.inputs(results, ann_file))
    content, groups = fmt.read(results, ann_file)
    report = BatchReport(str(out))
    if options.resume and out.is_file():
        report.skipped = len(groups)
        return report
    store = PartialStore(out, options.resume)
    barrier()
    refined = _refine_groups(model, image_dir, groups, store, report,
                             options)
    if refined is None:  # not rank 0: rank 0 writes out
        return report
    if report.refined + report.skipped == 0:
        report.not_written = 'no image was refined'
        return report
    atomic_write_bytes(out, fmt.write(content, groups, refined))
    store.finish()
    return report
