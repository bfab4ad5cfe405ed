"""``CocoRefineDataset``: one random object of a COCO image per fetch.

The LR training data of the official code (``LVISRefine`` in
``mmdet/datasets/lvis_refine.py``, github.com/MengyuWang826/SegRefiner):
each image with at least one usable instance is a sample,
and every fetch picks one of its instances at random and decodes its mask.
"""
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.registry import DATASETS

from ...io import decode_segmentation
from ..transforms.base import RandomTransform
from .files import MASK_FIELDS

__all__ = ['CocoRefineDataset', 'InstancePicker']


class InstancePicker(RandomTransform):
    """Replace a sample's ``instances`` with one of them, decoded.

    Sets ``gt_mask`` (HxW ``uint8`` 0/1), ``ann_id`` and ``bbox`` (COCO
    ``[x, y, w, h]``). Random draws follow
    :class:`~segrefiner.data.transforms.base.RandomTransform`: from the
    sample's ``seed`` when it has one, else from the per-process generator.
    """

    def transform(self, results: dict) -> dict:
        instances = results.pop('instances')
        chosen = instances[int(
            self.generator(results).integers(len(instances)))]
        results['gt_mask'] = decode_segmentation(chosen['segmentation'],
                                                 results['height'],
                                                 results['width'])
        results.update(ann_id=chosen['ann_id'], bbox=chosen['bbox'])
        return results


@DATASETS.register_module()
class CocoRefineDataset(BaseDataset):
    """COCO-format instance annotations as single-object training samples.

    Layout (COCO 2017)::

        data_root/                                e.g. data/coco
          annotations/instances_train2017.json    ann_file
          train2017/000000000009.jpg              data_prefix img_path

    An instance is usable when it is not crowd (nor LVIS-style ``ignore``),
    ``area > min_area`` (512), its box has ``w, h >= 1`` and overlaps the
    image: the filter of the official ``LVISRefine``. Images without one are
    left out. :meth:`get_data_info` picks ONE usable instance per fetch
    (:class:`InstancePicker`) and puts its mask in ``gt_mask``, so
    ``LoadRefinerData`` reads only the image and ``GenerateCoarseMask``
    makes the coarse mask online.

    Randomness: with ``seed=None`` (default) each fetch draws from a
    per-process generator seeded by the DataLoader worker's seed (mmengine's
    seeded ``worker_init_fn`` makes runs reproducible), so the pick changes
    from fetch to fetch. With an int ``seed`` the sample gets
    ``seed = f(seed, epoch, index)``, which fixes the pick and every
    ``RandomTransform`` of the pipeline; mmengine's loops signal new epochs
    only to samplers, so call :meth:`set_epoch` to vary the draws by epoch.

    Data-list entries: ``img_path``, ``img_id``, ``height``, ``width``,
    ``name`` (the image stem), ``instances`` (``ann_id``, ``bbox``,
    ``segmentation`` each), ``gt_path``/``coarse_path``/
    ``coarse_expand_path`` (``None``). A fetch replaces ``instances`` with
    ``gt_mask``, ``ann_id`` and ``bbox``.

    Args:
        ann_file: The annotation json, relative to ``data_root``.
        data_root: The dataset folder.
        data_prefix: ``dict(img_path=...)``, the image folder.
        min_area: Instances need ``area > min_area``.
        seed: See above.
        **kwargs: Other :class:`~mmengine.dataset.BaseDataset` arguments.
    """

    def __init__(self,
                 ann_file: str = 'annotations/instances_train2017.json',
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 min_area: float = 512,
                 seed: Optional[int] = None,
                 **kwargs) -> None:
        self.min_area = min_area
        self.seed = seed
        self.epoch = 0
        self.picker = InstancePicker()
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=dict(
                img_path='train2017/') if data_prefix is None else data_prefix,
            **kwargs)

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` in the seeds of later fetches (with ``seed``)."""
        self.epoch = epoch

    def image_file(self, image: dict) -> str:
        """The image's path below ``data_prefix['img_path']``."""
        return image['file_name']

    def is_usable(self, ann: dict, image: dict) -> bool:
        """Whether an annotation can be a training object (class docstring)."""
        x, y, w, h = ann['bbox']
        inside_w = min(x + w, image['width']) - max(x, 0)
        inside_h = min(y + h, image['height']) - max(y, 0)
        return (not ann.get('iscrowd', 0) and not ann.get('ignore', False)
                and ann['area'] > self.min_area and w >= 1 and h >= 1
                and inside_w > 0 and inside_h > 0)

    def load_data_list(self) -> List[dict]:
        """Index the json with pycocotools and keep the usable instances."""
        from pycocotools.coco import COCO
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{self.ann_file}: no such annotation '
                                    'file')
        coco = COCO(self.ann_file)
        data_list = []
        for img_id in sorted(coco.imgs):
            image = coco.imgs[img_id]
            instances = [
                dict(ann_id=ann['id'],
                     bbox=ann['bbox'],
                     segmentation=ann['segmentation'])
                for ann in coco.imgToAnns[img_id]
                if self.is_usable(ann, image)
            ]
            if not instances:
                continue
            file_name = self.image_file(image)
            data_list.append(
                dict(img_path=osp.join(self.data_prefix['img_path'],
                                       file_name),
                     img_id=img_id,
                     height=image['height'],
                     width=image['width'],
                     name=osp.splitext(osp.basename(file_name))[0],
                     instances=instances,
                     **dict.fromkeys(MASK_FIELDS)))
        return data_list

    def get_data_info(self, idx: int) -> dict:
        """The ``idx``-th image with one of its instances picked and decoded.

        Args:
            idx: Sample index.

        Returns:
            The data-list entry with ``gt_mask``, ``ann_id`` and ``bbox`` in
            place of ``instances`` (and ``seed`` when the dataset has one).
        """
        info = super().get_data_info(idx)
        if self.seed is not None:
            info['seed'] = int(
                np.random.SeedSequence(
                    [self.seed, self.epoch,
                     info['sample_idx']]).generate_state(1)[0])
        return self.picker(info)
