"""``BIGDataset``: the CascadePSP file naming in one folder (BIG, PASCAL)."""
from typing import List

from mmengine.dataset import BaseDataset
from mmengine.registry import DATASETS

from .files import Source, collect_samples

__all__ = ['BIGDataset']


@DATASETS.register_module()
class BIGDataset(BaseDataset):
    """CascadePSP-format samples: ``*_im.jpg``, ``*_seg.png``, ``*_gt.png``.

    Layout (CascadePSP ``docs/dataset.md``; the official SegRefiner
    ``mmdet/datasets/big.py`` reads the same)::

        data_root/            e.g. data/big/coarse/deeplab (swap the folder
          a_im.jpg            for the fcn / refinenet / psp coarse masks)
          a_seg.png           coarse mask
          a_gt.png            GT
          a_refine.png        (SegRefiner's output, ignored as input)

    The sample key is the name before ``_im``; other files (``*_mask.png``
    from CascadePSP, earlier ``*_refine.png`` outputs) are ignored. Every
    ``_im`` image needs its ``_seg`` and ``_gt`` partners and every partner its
    image, otherwise the error lists the files. ``_gt`` files may be absent
    altogether in ``test_mode`` (``gt_path=None``); ``_seg`` files may be
    absent altogether (coarse masks made online).

    Data-list entries: ``img_path``, ``gt_path``, ``coarse_path``,
    ``coarse_expand_path`` (always ``None``), ``name`` and ``out_name``
    (``<name>_refine.png``).

    Args:
        data_root: The folder.
        **kwargs: Other :class:`~mmengine.dataset.BaseDataset` arguments.
    """

    def load_data_list(self) -> List[dict]:
        """Pair ``*_im``, ``*_gt`` and ``*_seg`` files by name."""
        folder = self.data_root
        samples = collect_samples(Source(folder, '_im'), [
            Source(folder, '_gt', required=not self.test_mode),
            Source(folder, '_seg')
        ])
        for sample in samples:
            sample['out_name'] = f"{sample['name']}_refine.png"
        return samples
