"""``RefineMetric``: IoU, mBA and Boundary IoU of refined (and coarse) masks.

The protocol of SegRefiner's ``scripts/eval_miou.py`` / ``eval_miou_dis.py``
(after CascadePSP ``eval_post.py``): IoU is pooled over the dataset
(``sum |P∩G| / sum |P∪G|``, not a per-image mean), mBA is the mean of the
per-image CascadePSP Boundary Accuracy, and masks stored as 0-255 are binarised
with ``>= 128`` (CascadePSP: ``> 128``). Mean Boundary IoU (Cheng et al.,
CVPR 2021) is reported beside them. Per-image definitions:
:mod:`segrefiner.evaluation.functional`.
"""
import math
from collections.abc import Sequence
from typing import Any, Optional

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.registry import METRICS

from ..ops.binarize import BINARIZE_RULES, binarize
from .functional import (boundary_accuracy, boundary_iou, intersection_union,
                         iou_from_counts)
from .sample_fields import get_field, to_mask

#: Result-key prefixes of the refined and the coarse masks.
PREFIXES = ('', 'coarse_')


@METRICS.register_module()
class RefineMetric(BaseMetric):
    """Dataset-pooled IoU, mBA and mean Boundary IoU, refined beside coarse.

    ``process`` input contract: each element of ``data_samples`` is a dict
    (as mmengine's ``Evaluator`` passes them) or an object with attributes,
    holding HxW (or 1xHxW) numpy arrays or torch tensors, all of one shape:

    * ``gt_mask``: the ground truth.
    * ``pred_mask``: the refined mask.
    * ``coarse_mask`` (optional): the mask before refinement. Either every
      sample has one or none does.

    Masks may be bool, 0/1 or 0-255 (binarised with ``binarize_rule``);
    threshold probability maps before passing them. ``data_batch`` is unused.

    ``compute_metrics`` returns, in percent: ``IoU`` (dataset-pooled), ``mBA``
    (mean over images whose GT has a contour, see
    :func:`~segrefiner.evaluation.functional.boundary_accuracy`) and ``bIoU``
    (mean per-image Boundary IoU), plus ``coarse_IoU``, ``coarse_mBA`` and
    ``coarse_bIoU`` when coarse masks were given.

    Args:
        binarize_rule: ``'>=128'`` (SegRefiner) or ``'>128'`` (CascadePSP).
        dilation_ratio: Boundary IoU band width as a fraction of the image
            diagonal.
        collect_device: ``'cpu'`` or ``'gpu'``, for distributed collection.
        prefix: Prefix of the result keys; none by default, like mmseg's
            ``IoUMetric`` (mmengine then logs a warning).

    Examples:
        >>> metric = RefineMetric(prefix='big')
        >>> gt = np.zeros((8, 8), bool); gt[2:6, 2:6] = True
        >>> metric.process({}, [dict(gt_mask=gt, pred_mask=gt)])
        >>> metric.evaluate(size=1)
        {'big/IoU': 100.0, 'big/mBA': 100.0, 'big/bIoU': 100.0}
    """

    def __init__(self,
                 binarize_rule: str = '>=128',
                 dilation_ratio: float = 0.02,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if binarize_rule not in BINARIZE_RULES:
            raise ValueError(f'binarize_rule must be one of {BINARIZE_RULES}, '
                             f'got {binarize_rule!r}')
        self.binarize_rule = binarize_rule
        self.dilation_ratio = dilation_ratio

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Score each sample's masks and store the per-image statistics.

        Args:
            data_batch: Unused.
            data_samples: Samples as described in the class docstring.
        """
        for sample in data_samples:
            self.results.append(
                self.sample_result(get_field(sample, 'pred_mask'),
                                   get_field(sample, 'gt_mask'),
                                   get_field(sample, 'coarse_mask', None)))

    def sample_result(self, pred_mask: Any, gt_mask: Any,
                      coarse_mask: Any = None) -> dict:
        """The statistics of one sample, as :meth:`process` stores them.

        What a rank of a distributed evaluation sends to rank 0, which
        appends them to ``results`` in sample order: pooled over the same
        records in the same order, the metrics equal one process's.
        """
        gt = self._binarize(gt_mask)
        masks = {'': pred_mask, 'coarse_': coarse_mask}
        return {
            prefix: self._score(self._binarize(mask), gt)
            for prefix, mask in masks.items() if mask is not None
        }

    def _binarize(self, mask: Any) -> np.ndarray:
        """An HxW bool mask from a sample's array or tensor."""
        return binarize(to_mask(mask), self.binarize_rule,
                        probabilities=False)

    def _score(self, mask: np.ndarray, gt: np.ndarray) -> dict[str, Any]:
        """Intersection/union counts, BA and Boundary IoU of one mask."""
        return dict(counts=intersection_union(mask, gt),
                    ba=boundary_accuracy(mask, gt),
                    biou=boundary_iou(mask, gt, self.dilation_ratio))

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Pool the per-image statistics into percentages.

        Args:
            results: The dicts ``process`` stored, from all ranks.

        Returns:
            The metrics named in the class docstring.

        Raises:
            ValueError: If only some samples had a coarse mask.
        """
        metrics = {}
        for prefix in PREFIXES:
            scored = [result[prefix] for result in results if prefix in result]
            if not scored:
                continue
            if len(scored) != len(results):
                raise ValueError(
                    f'{len(scored)} of {len(results)} samples have a '
                    f"'{prefix}mask'; give one for all or none")
            intersection, union = np.sum([s['counts'] for s in scored], axis=0)
            accuracies = [s['ba'] for s in scored if not math.isnan(s['ba'])]
            if len(accuracies) < len(scored):
                print_log(
                    f'{prefix}mBA leaves out {len(scored) - len(accuracies)} '
                    'images whose GT is empty or full',
                    logger='current')
            metrics[f'{prefix}IoU'] = 100 * iou_from_counts(
                int(intersection), int(union))
            metrics[f'{prefix}mBA'] = 100 * float(
                np.mean(accuracies)) if accuracies else math.nan
            metrics[f'{prefix}bIoU'] = 100 * float(
                np.mean([s['biou'] for s in scored]))
        return metrics
