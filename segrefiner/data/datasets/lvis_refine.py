"""``LVISRefineDataset``: LVIS v1 annotations as single-object samples."""
from typing import Optional

from mmengine.registry import DATASETS

from .coco_refine import CocoRefineDataset

__all__ = ['LVISRefineDataset']

COCO_IMAGES_URL = 'http://images.cocodataset.org/'


@DATASETS.register_module()
class LVISRefineDataset(CocoRefineDataset):
    """LVIS v1 (the official LR-SegRefiner training set) on COCO images.

    Layout (as mmdet's ``LVISV1Dataset``)::

        data_root/                              e.g. data/coco
          annotations/lvis_v1_train.json        ann_file
          train2017/000000000009.jpg
          val2017/...

    An LVIS v1 json loads with pycocotools' ``COCO`` unchanged (the same
    ``images``/``annotations``/``categories`` lists, polygons, and ``height``/
    ``width`` per image); it differs in two fields that this class handles:
    images have no ``file_name`` but a ``coco_url``, whose path below
    ``http://images.cocodataset.org/`` (``train2017/<id>.jpg``) is taken
    relative to ``data_prefix['img_path']`` (default: ``data_root``);
    annotations have no ``iscrowd`` (none is crowd). Instance filtering,
    picking and seeding are those of :class:`CocoRefineDataset`.

    Args:
        ann_file: The LVIS json, relative to ``data_root``.
        data_prefix: ``dict(img_path=...)``, where ``train2017/`` and
            ``val2017/`` are.
        **kwargs: :class:`CocoRefineDataset` arguments.
    """

    def __init__(self,
                 ann_file: str = 'annotations/lvis_v1_train.json',
                 data_prefix: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(
            ann_file=ann_file,
            data_prefix=dict(
                img_path='') if data_prefix is None else data_prefix,
            **kwargs)

    def image_file(self, image: dict) -> str:
        """``train2017/<id>.jpg`` from the image's ``coco_url``."""
        if 'file_name' in image:
            return image['file_name']
        return image['coco_url'].replace(COCO_IMAGES_URL, '')
