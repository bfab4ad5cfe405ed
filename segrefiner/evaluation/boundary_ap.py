"""COCO mask AP and Boundary AP, offline and as an mmengine metric.

Boundary AP (Cheng et al., CVPR 2021) is COCO AP whose matching IoU between a
detection and a non-crowd GT is ``min(mask IoU, Boundary IoU)``; crowd GT keeps
pycocotools' mask IoU. Facts taken from ``bowenc0221/boundary-iou-api``
(BSD-2-Clause): ``coco_instance_api/cocoeval.py: computeBoundaryIoU`` and
``utils/boundary_utils.py`` (boundaries pre-computed once per annotation as
RLE, optionally over several processes). The code here is an independent
subclass of pycocotools' ``COCOeval``; the boundary itself is
:func:`segrefiner.evaluation.functional.mask_boundary`.

SegRefiner reports these numbers through ``lvis-api`` (``LVISEval(...,
'boundary')``, ``max_dets=300``) on COCO val with "cocofied" LVIS
annotations; pass ``max_dets=(1, 10, 300)`` to match its detection cap. mmdet
3.x's ``CocoMetric`` has no boundary type, hence :class:`CocoBoundaryMetric`.
"""
import contextlib
import copy
import io
import json
import multiprocessing
from collections.abc import Sequence
from os import PathLike
from typing import Any, Optional, Union

import numpy as np
import pycocotools.mask as mask_utils
from mmengine.evaluator import BaseMetric
from mmengine.fileio import get_local_path
from mmengine.logging import print_log
from mmengine.registry import METRICS
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from .functional import mask_boundary
from .sample_fields import get_field, to_numpy

IOU_TYPES = ('segm', 'boundary')
#: Names of ``COCOeval.stats[:6]``; result keys are ``f'{iou_type}_{name}'``.
STAT_NAMES = ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')


def encode_mask(mask: np.ndarray) -> dict:
    """COCO RLE of an HxW mask, with ``counts`` as ``str`` (JSON-ready)."""
    rle = mask_utils.encode(np.asfortranarray(mask, dtype=np.uint8))
    rle['counts'] = rle['counts'].decode()
    return rle


def _rle_boundary(rle: dict, dilation_ratio: float) -> dict:
    """RLE of the :func:`mask_boundary` of an RLE mask."""
    return encode_mask(
        mask_boundary(mask_utils.decode(rle).astype(bool), dilation_ratio))


class BoundaryCOCOeval(COCOeval):
    """pycocotools ``COCOeval`` for masks, with optional Boundary IoU matching.

    Use exactly like ``COCOeval(coco_gt, coco_dt, 'segm')``
    (``evaluate``/``accumulate``/``summarize``).

    Args:
        coco_gt: Ground truth.
        coco_dt: Detections (``coco_gt.loadRes(...)``).
        iou_type: ``'boundary'`` for Boundary AP or ``'segm'`` for mask AP.
        dilation_ratio: Boundary width as a fraction of the image diagonal.
        nproc: Processes computing the boundaries; 1 computes them in-process.
    """

    def __init__(self,
                 coco_gt: COCO,
                 coco_dt: COCO,
                 iou_type: str = 'boundary',
                 dilation_ratio: float = 0.02,
                 nproc: int = 1) -> None:
        if iou_type not in IOU_TYPES:
            raise ValueError(
                f'iou_type must be one of {IOU_TYPES}, got {iou_type!r}')
        super().__init__(coco_gt, coco_dt, iouType='segm')
        self.use_boundary = iou_type == 'boundary'
        self.dilation_ratio = dilation_ratio
        self.nproc = nproc

    def _prepare(self) -> None:
        """Annotations to RLE; for Boundary AP also ``ann['boundary']``."""
        super()._prepare()
        if not self.use_boundary:
            return
        anns = [
            ann for index in (self._gts, self._dts)
            for group in index.values() for ann in group
        ]
        args = [(ann['segmentation'], self.dilation_ratio) for ann in anns]
        if self.nproc > 1:
            with multiprocessing.Pool(self.nproc) as pool:
                boundaries = pool.starmap(_rle_boundary, args)
        else:
            boundaries = [_rle_boundary(*arg) for arg in args]
        for ann, boundary in zip(anns, boundaries):
            ann['boundary'] = boundary

    def computeIoU(
            self,
            imgId: int,  # noqa: N802,N803
            catId: int) -> Union[list, np.ndarray]:
        """Mask IoU, lowered to Boundary IoU if smaller (non-crowd GT only)."""
        ious = super().computeIoU(imgId, catId)
        if not self.use_boundary or len(ious) == 0:
            return ious
        params = self.params
        cat_ids = [catId] if params.useCats else params.catIds
        gts = [gt for cat_id in cat_ids for gt in self._gts[imgId, cat_id]]
        dts = [dt for cat_id in cat_ids for dt in self._dts[imgId, cat_id]]
        # The detection order and cap of COCOeval.computeIoU, so rows line up.
        order = np.argsort([-dt['score'] for dt in dts],
                           kind='mergesort')[:params.maxDets[-1]]
        boundary_ious = mask_utils.iou([dts[i]['boundary'] for i in order],
                                       [gt['boundary'] for gt in gts],
                                       [0] * len(gts))
        keep = np.array([not gt['iscrowd'] for gt in gts])
        ious[:, keep] = np.minimum(ious[:, keep], boundary_ious[:, keep])
        return ious


def _quietly(function: Any, *args: Any) -> Any:
    """Call ``function(*args)`` with pycocotools' progress prints silenced."""
    with contextlib.redirect_stdout(io.StringIO()):
        return function(*args)


def _load_coco(gt: Union[str, PathLike, dict, COCO]) -> COCO:
    """A COCO object from a json path, a dataset dict (copied) or a COCO."""
    if isinstance(gt, COCO):
        return gt
    coco = COCO()
    if isinstance(gt, dict):
        coco.dataset = copy.deepcopy(gt)
    else:
        with open(gt) as file:
            coco.dataset = json.load(file)
    _quietly(coco.createIndex)
    return coco


def _load_results(coco_gt: COCO, dets: list[dict]) -> COCO:
    """``coco_gt.loadRes(dets)``, also for an empty list (which it rejects)."""
    if dets:
        return _quietly(coco_gt.loadRes, dets)
    coco_dt = COCO()
    coco_dt.dataset = dict(images=coco_gt.dataset['images'],
                           categories=coco_gt.dataset['categories'],
                           annotations=[])
    _quietly(coco_dt.createIndex)
    return coco_dt


def evaluate_boundary_ap(gt: Union[str, PathLike, dict, COCO],
                         dt_results: Union[str, PathLike, Sequence[dict]],
                         iou_types: Sequence[str] = IOU_TYPES,
                         dilation_ratio: float = 0.02,
                         max_dets: Sequence[int] = (1, 10, 100),
                         img_ids: Optional[Sequence[int]] = None,
                         cat_ids: Optional[Sequence[int]] = None,
                         nproc: int = 1) -> dict[str, float]:
    """COCO mask AP and Boundary AP of instance masks, offline.

    Args:
        gt: COCO-format ground truth: a json path, its loaded dict, or a
            ``pycocotools.coco.COCO`` (whose annotations pycocotools converts
            to RLE in place, as ``COCOeval`` always does).
        dt_results: COCO result dicts (``image_id``, ``category_id``,
            ``segmentation`` as RLE, ``score``) or a json file of them.
            Results on images or categories outside the evaluated ones are
            dropped, as SegRefiner's ``scripts/eval_json.py`` does.
        iou_types: Any of ``'segm'`` (mask AP) and ``'boundary'``.
        dilation_ratio: Boundary width as a fraction of the image diagonal.
        max_dets: The three per-image detection caps of ``COCOeval``; AP uses
            the last.
        img_ids: Images to evaluate; all GT images by default.
        cat_ids: Categories to evaluate; all GT categories by default.
        nproc: Processes computing boundaries.

    Returns:
        ``{f'{iou_type}_{name}': value}`` for ``name`` in ``STAT_NAMES`` (AP,
        AP50, AP75, AP small/medium/large), in percent; -1.0 where no GT
        falls in the area range.

    Examples:
        >>> evaluate_boundary_ap('gt.json', 'dt.json')  # doctest: +SKIP
        {'segm_mAP': 37.2, ..., 'boundary_mAP': 23.9, ...}
    """
    coco_gt = _load_coco(gt)
    if isinstance(dt_results, (str, PathLike)):
        with open(dt_results) as file:
            dt_results = json.load(file)
    img_ids = sorted(coco_gt.getImgIds()) if img_ids is None else list(img_ids)
    cat_ids = sorted(coco_gt.getCatIds()) if cat_ids is None else list(cat_ids)
    kept_imgs, kept_cats = set(img_ids), set(cat_ids)
    coco_dt = _load_results(coco_gt, [
        dict(det) for det in dt_results
        if det['image_id'] in kept_imgs and det['category_id'] in kept_cats
    ])
    metrics = {}
    for iou_type in iou_types:
        evaluator = BoundaryCOCOeval(coco_gt, coco_dt, iou_type,
                                     dilation_ratio, nproc)
        evaluator.params.imgIds, evaluator.params.catIds = img_ids, cat_ids
        evaluator.params.maxDets = list(max_dets)
        _quietly(evaluator.evaluate)
        _quietly(evaluator.accumulate)
        summary = io.StringIO()
        with contextlib.redirect_stdout(summary):
            evaluator.summarize()
        print_log(f'{iou_type} evaluation:\n{summary.getvalue()}',
                  logger='current')
        for name, value in zip(STAT_NAMES, evaluator.stats):
            metrics[f'{iou_type}_{name}'] = -1.0 if value < 0 else 100 * float(
                value)
    return metrics


@METRICS.register_module()
class CocoBoundaryMetric(BaseMetric):
    """COCO mask AP and Boundary AP of mmdet-style instance predictions.

    ``process`` reads, from each data sample (a dict or an object with
    attributes), ``img_id`` (a COCO image id of ``ann_file``) and
    ``pred_instances`` with ``masks`` (NxHxW bool array/tensor at the original
    image size, or a list of COCO RLE dicts), ``scores`` (N) and ``labels`` (N,
    indices into ``dataset_meta['classes']``, or into the sorted GT category
    ids without ``dataset_meta``). mmdet itself is not imported.

    Keys: ``coco/segm_mAP``, ``coco/boundary_mAP``, ... as
    :func:`evaluate_boundary_ap` returns them (percent), over the processed
    images only.

    Args:
        ann_file: COCO-format GT json (any mmengine file backend).
        metric: ``'segm'``, ``'boundary'`` or both.
        dilation_ratio: Boundary width as a fraction of the image diagonal.
        max_dets: The three per-image detection caps.
        nproc: Processes computing boundaries.
        backend_args: mmengine file-backend arguments for ``ann_file``.
        collect_device: ``'cpu'`` or ``'gpu'``, for distributed collection.
        prefix: Key prefix; ``'coco'`` by default.
    """

    default_prefix: Optional[str] = 'coco'

    def __init__(self,
                 ann_file: str,
                 metric: Union[str, Sequence[str]] = IOU_TYPES,
                 dilation_ratio: float = 0.02,
                 max_dets: Sequence[int] = (1, 10, 100),
                 nproc: int = 1,
                 backend_args: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.iou_types = [metric] if isinstance(metric, str) else list(metric)
        unknown = set(self.iou_types) - set(IOU_TYPES)
        if unknown:
            raise KeyError(
                f'metric must be among {IOU_TYPES}, got {sorted(unknown)}')
        self.dilation_ratio = dilation_ratio
        self.max_dets = max_dets
        self.nproc = nproc
        with get_local_path(ann_file, backend_args=backend_args) as local_path:
            self._coco_gt = _load_coco(local_path)

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store each sample's predictions as COCO RLE.

        Args:
            data_batch: Unused.
            data_samples: Samples as described in the class docstring.
        """
        for sample in data_samples:
            pred = get_field(sample, 'pred_instances')
            masks = get_field(pred, 'masks')
            if not isinstance(masks, (list, tuple)):
                masks = [encode_mask(mask) for mask in to_numpy(masks)]
            self.results.append(
                dict(img_id=int(get_field(sample, 'img_id')),
                     masks=list(masks),
                     scores=to_numpy(get_field(pred, 'scores')).tolist(),
                     labels=to_numpy(get_field(pred, 'labels')).tolist()))

    def _label_cat_ids(self) -> list[int]:
        """COCO category id of each label index."""
        classes = (self.dataset_meta or {}).get('classes')
        if classes is None:
            return sorted(self._coco_gt.getCatIds())
        by_name = {
            cat['name']: cat['id']
            for cat in self._coco_gt.dataset['categories']
        }
        return [by_name[name] for name in classes]

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Evaluate all stored predictions against ``ann_file``.

        Args:
            results: The dicts ``process`` stored, from all ranks.

        Returns:
            The metrics named in the class docstring.
        """
        cat_ids = self._label_cat_ids()
        dets = [
            dict(image_id=result['img_id'],
                 category_id=cat_ids[label],
                 segmentation=rle,
                 score=score)
            for result in results for rle, score, label in zip(
                result['masks'], result['scores'], result['labels'])
        ]
        return evaluate_boundary_ap(
            self._coco_gt,
            dets,
            self.iou_types,
            self.dilation_ratio,
            self.max_dets,
            img_ids=sorted({result['img_id']
                            for result in results}),
            cat_ids=cat_ids,
            nproc=self.nproc)
