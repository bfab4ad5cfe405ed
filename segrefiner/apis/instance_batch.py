"""The instance step of the batches: every mask of an image refined together.

Shared by the one-file results (:mod:`.result_files`) and the folder formats
whose images hold many masks (segment-anything's, :mod:`.folders`): masks
under the model's ``area_thr`` pass through the object-crop protocol
unchanged, and the batch counts them apart from the refined ones.
"""
from typing import Iterable, List, NamedTuple, Optional, Sequence

import numpy as np

from .batch import BatchReport
from .predictor import SegRefinerPredictor

__all__ = ['InstanceResult', 'MaskCounts', 'count_masks', 'refine_images']


class MaskCounts(NamedTuple):
    """The masks of an image: refined, and passed through (under
    ``area_thr``)."""
    refined: int = 0
    passed: int = 0


class InstanceResult(NamedTuple):
    """One image's masks after the instance step.

    Attributes:
        status: ``'refined'`` or ``'passed:<reason>'`` (no mask, or all
            under ``area_thr``: nothing for the model to do).
        masks: The ``(N, H, W)`` refined masks (``None``: passed through).
        counts: Its masks, refined and passed through.
    """
    status: str
    masks: Optional[np.ndarray]
    counts: MaskCounts


def _under(area_thr: int) -> str:
    return f'under area_thr={area_thr} px'


def refine_images(predictor: SegRefinerPredictor,
                  images: Sequence[np.ndarray],
                  masks: Sequence[np.ndarray],
                  seed: Optional[int]) -> List[InstanceResult]:
    """Refine the ``(N_i, H_i, W_i)`` masks of several images together
    (:meth:`~.predictor.SegRefinerPredictor.refine_instances_together`; one
    image gives exactly ``refine_instances``), skipping the images that have
    no mask of at least ``area_thr`` pixels."""
    area_thr = predictor.model.test_cfg['area_thr']
    results: List[Optional[InstanceResult]] = []
    todo = []
    for k, stack in enumerate(masks):
        areas = stack.astype(bool).sum((1, 2))
        small = int((areas < area_thr).sum())
        if not len(stack):
            results.append(InstanceResult('passed:no masks', None,
                                          MaskCounts()))
        elif small == len(stack):
            results.append(InstanceResult(
                f'passed:all masks {_under(area_thr)}', None,
                MaskCounts(0, small)))
        else:
            todo.append((k, small))
            results.append(None)
    refined = predictor.refine_instances_together(
        [images[k] for k, _ in todo], [masks[k] for k, _ in todo],
        seed) if todo else []
    for (k, small), stack in zip(todo, refined):
        results[k] = InstanceResult('refined', stack,
                                    MaskCounts(len(stack) - small, small))
    return results


def count_masks(report: BatchReport, counts: Iterable[Optional[MaskCounts]],
                area_thr: int) -> None:
    """Add the images' mask counts to ``report.masks`` (``'refined'`` and
    ``'under area_thr=<n> px'``; ``'refined'`` is shown, 0 or not, once
    any mask is counted)."""
    for count in counts:
        if count is None or not count.refined + count.passed:
            continue
        report.masks['refined'] = report.masks.get('refined',
                                                   0) + count.refined
        if count.passed:
            under = _under(area_thr)
            report.masks[under] = report.masks.get(under, 0) + count.passed
