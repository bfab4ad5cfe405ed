"""``ThinObjectDataset``: ThinObject-5K samples named by a split list."""
from pathlib import Path
from typing import List

from mmengine.registry import DATASETS

from .folder import RefineFolderDataset

__all__ = ['ThinObjectDataset']


@DATASETS.register_module()
class ThinObjectDataset(RefineFolderDataset):
    """ThinObject-5K (Liew et al., WACV 2021) samples of one split.

    Layout, as the dataset's own loader reads it
    (``liewjunhao/thin-object-selection: dataloaders/thinobject5k.py``) plus
    the offline coarse masks of the official SegRefiner
    ``scripts/gen_coarse_masks_hr.py``::

        data_root/                 e.g. data/thin_object (ThinObject5K.zip)
          images/<stem>.jpg
          masks/<stem>.png         GT, one object per image, 0/255
          list/train.txt           one mask file name per line: <stem>.png
          list/test.txt
          coarse/<stem>.png        offline coarse masks (optional;
          coarse_expand/<stem>.png  tools/gen_coarse_masks.py, train only)

    The samples are the lines of ``ann_file``; the official loader takes the
    image as ``images/<stem>.jpg``, this one accepts any image suffix. Every
    listed sample needs its image and GT (GT optional in ``test_mode`` when
    ``masks/`` is missing) and, where a coarse folder exists, its coarse
    masks; unlisted files are ignored. Assumed, not verified on the real
    archive: the split files hold mask file names, one per line (only the
    stem is used, so bare stems work too).

    Data-list entries as for :class:`RefineFolderDataset`: ``img_path``,
    ``gt_path``, ``coarse_path``, ``coarse_expand_path`` (``None`` where
    absent), ``name`` (the stem) and ``out_name`` (``<stem>.png``).

    Args:
        ann_file: The split list, relative to ``data_root``.
        data_root: The ThinObject-5K folder.
        data_prefix: Sub-folders by field, as for
            :class:`RefineFolderDataset` (same defaults).
        **kwargs: Other :class:`~mmengine.dataset.BaseDataset` arguments.
    """

    def __init__(self, ann_file: str = 'list/train.txt', **kwargs) -> None:
        super().__init__(ann_file=ann_file, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Look up the samples of the split list in the folders."""
        split = Path(self.ann_file)
        if not split.is_file():
            raise FileNotFoundError(f'{split}: no such split list')
        stems = [
            Path(line.strip()).stem for line in split.read_text().splitlines()
            if line.strip()
        ]
        if not stems:
            raise ValueError(f'{split}: the split list is empty')
        return self.collect(stems)
