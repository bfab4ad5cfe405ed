"""``DIS5KDataset``: the DIS5K subsets, with coarse masks of any model."""
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.dataset import BaseDataset
from mmengine.registry import DATASETS

from .files import Source, collect_samples

__all__ = ['DIS5KDataset', 'DIS_TEST_SUBSETS']

#: The validation and test subsets SegRefiner reports (Table 4).
DIS_TEST_SUBSETS = ('DIS-VD', 'DIS-TE1', 'DIS-TE2', 'DIS-TE3', 'DIS-TE4')


@DATASETS.register_module()
class DIS5KDataset(BaseDataset):
    """DIS5K (Qin et al., ECCV 2022) subsets with offline coarse masks.

    Layout (the DIS5K release plus the coarse predictions of the DIS
    release, as the official SegRefiner ``mmdet/datasets/dis.py`` with
    ``img_root='dis'`` and ``coarse_root='dis/coarse/isnet'`` reads them)::

        data_root/                       e.g. data/dis
          DIS-VD/im/<name>.jpg
          DIS-VD/gt/<name>.png
          DIS-TE1/ ... DIS-TE4/, DIS-TR/
          DIS-TR/coarse/<name>.png        offline coarse masks for training
          DIS-TR/coarse_expand/<name>.png (tools/gen_coarse_masks.py)
          coarse/isnet/DIS-VD/<name>.png  a model's predictions = coarse_root

    With ``coarse_root`` the coarse masks of subset ``S`` are
    ``coarse_root/S/<name>.png`` (required); without it they are the optional
    ``S/coarse/`` and ``S/coarse_expand/`` folders. Within a subset the
    files must match the images one to one (errors list the others). ``gt/``
    may be missing in ``test_mode`` (``gt_path=None``).

    Data-list entries: ``img_path``, ``gt_path``, ``coarse_path``,
    ``coarse_expand_path`` (``None`` where absent), ``name`` (the stem),
    ``subset`` and ``out_name`` (``<subset>/<name>.png``, the official output
    layout).

    Args:
        data_root: The DIS5K folder.
        subsets: Subset folder names, in order.
        coarse_root: Folder of per-subset coarse-mask folders, relative to
            ``data_root`` unless absolute.
        **kwargs: Other :class:`~mmengine.dataset.BaseDataset` arguments.
    """

    def __init__(self,
                 data_root: str = '',
                 subsets: Sequence[str] = DIS_TEST_SUBSETS,
                 coarse_root: Optional[str] = None,
                 **kwargs) -> None:
        if isinstance(subsets, str):
            subsets = [subsets]
        self.subsets = list(subsets)
        self.coarse_root = coarse_root if coarse_root is None else osp.join(
            data_root, coarse_root)
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Pair each subset's images, GT and coarse masks by stem."""
        samples = []
        for subset in self.subsets:
            root = osp.join(self.data_root, subset)
            if self.coarse_root is None:
                coarse = [
                    Source(osp.join(root, 'coarse')),
                    Source(osp.join(root, 'coarse_expand'))
                ]
            else:
                coarse = [Source(osp.join(self.coarse_root, subset), '', True)]
            found = collect_samples(Source(osp.join(root, 'im')), [
                Source(osp.join(root, 'gt'), required=not self.test_mode),
                *coarse
            ])
            for sample in found:
                sample.update(subset=subset,
                              out_name=f"{subset}/{sample['name']}.png")
            samples.extend(found)
        return samples
