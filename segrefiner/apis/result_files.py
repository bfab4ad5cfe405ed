"""Refine instance-segmentation result files: mmdet ``.pkl`` and COCO json.

mmdet 3.x ``tools/test.py --out results.pkl`` dumps (``DumpDetResults``) a
list with one dict per image: ``img_path``, ``pred_instances`` with
``masks`` (a list of RLE dicts ``{'size': [h, w], 'counts': bytes}``, from
``encode_mask_results``), ``bboxes``, ``scores`` and ``labels``. A COCO
``*.segm.json`` result file is a list of ``{image_id, category_id,
segmentation, score, ...}`` whose images the annotation file names. Every
image's masks are refined in one
:meth:`~.predictor.SegRefinerPredictor.refine_instances` call and the file
is written back with the same structure and every other field as it was; the refined RLE keeps ``counts`` as ``bytes`` or ``str``
like its input. The output is written atomically once all images are done;
meanwhile each image's result is kept in a hidden ``.<out>.partial`` folder
beside it, which ``resume`` reads to skip finished images.
"""
import hashlib
import json
import pickle
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional

import numpy as np

from ..data.datasets.coco_refine import decode_segmentation
from ..io import (PathLike, atomic_write_bytes, clean_stale_temps, encode_rle,
                  fit_to, load_image, read_result_file, resolve_image)
from ..models import SegRefiner
from .batch import BatchOptions, BatchReport, Outcome, check_output, run_batch
from .distributed import barrier, is_main_process
from .partial_store import PartialStore
from .predictor import SegRefinerPredictor

__all__ = ['refine_coco_json', 'refine_mmdet_pickle']


class Group(NamedTuple):
    """The instances of one image.

    Attributes:
        key: Unique name of the image in the results (store key).
        name: The image's file name (``img_path``, ``file_name``) to look up.
        segmentations: The coarse masks as stored (RLE dicts, polygons).
        size: ``(height, width)`` for polygons, if known.
        problem: Why the image cannot be refined (``None``: it can).
    """
    key: str
    name: str
    segmentations: List[Any]
    size: Optional[tuple] = None
    problem: Optional[str] = None


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
    area_thr = model.test_cfg['area_thr']
    under = f'under area_thr={area_thr} px'

    def load(group: Group) -> tuple:
        """``(digest, stored)`` of a finished image, else ``(digest,
        image, masks)``."""
        if group.problem is not None:
            raise ValueError(group.problem)
        digest = hashlib.sha1(
            pickle.dumps((group.name, group.segmentations, options.seed,
                          options.resize_mask, options.inference))).hexdigest()
        stored = store.get(group.key, digest) if options.resume else None
        if stored is not None:
            return digest, stored
        image = load_image(resolve_image(image_dir, group.name))
        masks = np.stack([
            _decode(seg, group.size, image.shape[:2])
            for seg in group.segmentations
        ]) if group.segmentations else None
        if masks is not None:
            masks = fit_to(masks, image.shape[:2], options.resize_mask,
                           'instance mask')
        return digest, image, masks

    def refine_images(members: List[Group], loaded: List[tuple],
                      warn: Callable[[str], None]) -> List[Outcome]:
        """The images of ``options.batch_images`` results, their masks
        refined together."""
        outcomes: List[Outcome] = []
        todo = []
        for group, item in zip(members, loaded):
            if len(item) == 2:
                outcomes.append(('skipped', (item[1], 0, 0)))
                continue
            masks = item[2]
            small = 0 if masks is None else int(
                (masks.reshape(len(masks), -1).astype(bool).sum(1) <
                 area_thr).sum())
            if masks is None:
                outcomes.append(('passed:no masks', None))
            elif small == len(masks):
                outcomes.append((f'passed:all masks {under}', (None, 0,
                                                               small)))
            else:
                todo.append((len(outcomes), group, item, small))
                outcomes.append(None)
        refined = predictor.refine_instances_together(
            [item[1] for _, _, item, _ in todo],
            [item[2] for _, _, item, _ in todo],
            options.seed) if todo else []
        for (k, group, item, small), masks in zip(todo, refined):
            value = [
                encode_rle(mask, not isinstance(seg.get('counts'), bytes)
                           if isinstance(seg, dict) else True)
                for mask, seg in zip(masks, group.segmentations)
            ]
            store.put(group.key, item[0], value)
            outcomes[k] = ('refined', (value, len(masks) - small, small))
        return outcomes

    outcomes = run_batch(groups, lambda group: group.name, None, report,
                         options.progress, 'images', load, options.workers,
                         options.batch_images, refine_images)
    if outcomes is None:
        return None
    for outcome in outcomes:
        if outcome is not None and outcome[1] + outcome[2]:
            report.masks['refined'] = report.masks.get('refined',
                                                       0) + outcome[1]
            if outcome[2]:
                report.masks[under] = report.masks.get(under, 0) + outcome[2]
    return [None if outcome is None else outcome[0] for outcome in outcomes]


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


def refine_mmdet_pickle(model: SegRefiner,
                        image_dir: PathLike,
                        results: PathLike,
                        out: PathLike,
                        options: Optional[BatchOptions] = None) -> BatchReport:
    """Refine the masks of an mmdet 3.x ``--out`` pickle into ``out``.

    Images are found under ``image_dir`` by ``img_path`` (see
    :func:`~segrefiner.io.resolve_image`). An entry that
    cannot be refined is reported and written back unchanged; if no image
    is refined, ``out`` is not written (``report.not_written``). The pickle
    is read as data (:func:`~segrefiner.io.read_result_file`), never run.

    Args:
        model: The refiner.
        image_dir: The images' folder.
        results: The ``.pkl`` file.
        out: The output file (a folder: the input's name in it).
        options: Seed, ``resize_mask``, ``resume``, progress.

    Returns:
        The :class:`BatchReport` (one item per image).
    """
    options = BatchOptions() if options is None else options
    out = _prepare(out, [results])
    entries = read_result_file(results, 'pickle')
    if not isinstance(entries, list):
        raise ValueError(f'{results}: expected a list of per-image results')
    groups = []
    for i, entry in enumerate(entries):
        entry = entry if isinstance(entry, dict) else {}
        pred = entry.get('pred_instances')
        name = str(entry.get('img_path', f'{results}[{i}]'))
        problem = None
        if 'img_path' not in entry or not isinstance(pred, dict):
            problem = 'not an mmdet result (no img_path or pred_instances)'
        elif 'masks' not in pred:
            problem = 'no instance masks (a detection-only result?)'
        groups.append(
            Group(str(i), name, [] if problem else list(pred['masks']),
                  problem=problem))
    return _finish(model, image_dir, groups, out, options, entries,
                   _set_mmdet_masks)


def _set_mmdet_masks(entries: list, groups: List[Group],
                     refined: List[Optional[list]]) -> bytes:
    new = []
    for entry, masks in zip(entries, refined):
        if masks is not None:
            entry = dict(entry)
            entry['pred_instances'] = dict(entry['pred_instances'],
                                           masks=masks)
        new.append(entry)
    return pickle.dumps(new, protocol=2)  # as mmengine.dump: readable as data


def refine_coco_json(model: SegRefiner,
                     image_dir: PathLike,
                     results: PathLike,
                     ann_file: PathLike,
                     out: PathLike,
                     options: Optional[BatchOptions] = None) -> BatchReport:
    """Refine a COCO ``*.segm.json`` result file into ``out``.

    The annotation file maps ``image_id`` to ``file_name``, found under
    ``image_dir``. The results of an image that cannot be refined (not in
    the annotations, no image file, bad masks) are written back unchanged;
    if no image is refined, ``out`` is not written (``report.not_written``).

    Args:
        model: The refiner.
        image_dir: The images' folder.
        results: The result json (a list of ``{image_id, segmentation,
            ...}``).
        ann_file: The COCO annotation json with ``images``.
        out: The output file (a folder: the input's name in it).
        options: Seed, ``resize_mask``, ``resume``, progress.

    Returns:
        The :class:`BatchReport` (one item per image).
    """
    options = BatchOptions() if options is None else options
    out = _prepare(out, [results, ann_file])
    entries = read_result_file(results)
    if not isinstance(entries, list):
        raise ValueError(f'{results}: expected a list of results')
    ann = read_result_file(ann_file)
    images: Dict[Any, dict] = {
        img['id']: img
        for img in (ann.get('images', []) if isinstance(ann, dict) else [])
    }
    by_image: Dict[Any, List[int]] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ValueError(f'{results}: result {i} is not a dict')
        by_image.setdefault(entry.get('image_id'), []).append(i)
    groups = []
    for image_id, indices in by_image.items():
        info = images.get(image_id)
        segs = [entries[i].get('segmentation') for i in indices]
        problem = None
        if info is None:
            problem = f'not in {ann_file}'
        elif any(seg is None for seg in segs):
            problem = 'a result has no segmentation (a bbox json?)'
        name = info['file_name'] if info else f'image_id {image_id}'
        size = (info.get('height'), info.get('width')) if info else None
        groups.append(
            Group(str(image_id), name, [] if problem else segs,
                  None if size is None or None in size else size, problem))

    def write(entries, groups, refined):
        new = list(entries)
        for (_, indices), segs in zip(by_image.items(), refined):
            for i, seg in zip(indices, segs or []):
                new[i] = dict(entries[i], segmentation=seg)
        return json.dumps(new).encode()

    return _finish(model, image_dir, groups, out, options, entries, write)


def _finish(model: SegRefiner, image_dir: PathLike, groups: List[Group],
            out: Path, options: BatchOptions, entries: list,
            write: Callable[[list, List[Group], list], bytes]) -> BatchReport:
    """Refine the groups (unless ``out`` is complete) and write ``out``.

    ``out`` is written only if at least one image was refined (now or,
    with ``resume``, before): never as a copy of the input. In a
    distributed run every rank refines its share and rank 0 writes ``out``
    once; the other ranks return an empty report.
    """
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
    atomic_write_bytes(out, write(entries, groups, refined))
    store.finish()
    return report
