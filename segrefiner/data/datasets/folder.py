"""``RefineFolderDataset``: images and masks in parallel folders, by stem."""
from typing import List, Optional, Sequence

from mmengine.dataset import BaseDataset
from mmengine.registry import DATASETS

from .files import MASK_FIELDS, Source, collect_samples

__all__ = ['RefineFolderDataset']

DEFAULT_PREFIX = dict(img_path='images',
                      gt_path='masks',
                      coarse_path='coarse',
                      coarse_expand_path='coarse_expand')


@DATASETS.register_module()
class RefineFolderDataset(BaseDataset):
    """Images, GT masks and coarse masks in sibling folders, paired by stem.

    Layout (the folder names are ``data_prefix``'s, relative to
    ``data_root``)::

        data_root/
          images/         a.jpg  b.png ...   (.jpg .jpeg .png .bmp .tif .tiff)
          masks/          a.png  b.png ...   GT, 0/255 or 0/1
          coarse/         a.png  b.png ...   coarse masks (optional)
          coarse_expand/  a.png  b.png ...   hole-filled coarse (optional)

    This is also what :func:`~segrefiner.datagen.generate_composites` and
    ``tools/gen_coarse_masks.py`` write. Every image is a sample; a present
    mask folder must hold exactly one file per image stem, so stray and
    missing files are errors that list them. The GT folder is required
    unless ``test_mode`` (then a missing one gives ``gt_path=None``); the
    coarse folders are optional. Leave a key out of ``data_prefix`` to ignore
    that folder.

    Data-list entries: ``img_path``, ``gt_path``, ``coarse_path``,
    ``coarse_expand_path`` (``None`` where absent), ``name`` (the stem) and
    ``out_name`` (``<stem>.png``, the refined mask's file name).

    Args:
        data_root: The dataset folder.
        data_prefix: Sub-folders by field; ``img_path`` is required.
        **kwargs: Other :class:`~mmengine.dataset.BaseDataset` arguments
            (``pipeline``, ``test_mode``, ...).

    Examples:
        >>> dataset = RefineFolderDataset(  # doctest: +SKIP
        ...     data_root='data/composites', test_mode=True)
        >>> dataset[0]['coarse_path']  # doctest: +SKIP
        'data/composites/coarse/000000.png'
    """

    def __init__(self,
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(data_root=data_root,
                         data_prefix=dict(DEFAULT_PREFIX if data_prefix is
                                          None else data_prefix),
                         **kwargs)

    def load_data_list(self) -> List[dict]:
        """Pair the files of the ``data_prefix`` folders by stem."""
        return self.collect()

    def collect(self, stems: Optional[Sequence[str]] = None) -> List[dict]:
        """The data list of the ``data_prefix`` folders.

        Args:
            stems: Take exactly these samples (see
                :func:`~segrefiner.data.datasets.files.collect_samples`);
                ``None``: every image, the folders matched one to one.
        """
        prefix = self.data_prefix
        if 'img_path' not in prefix:
            raise KeyError("data_prefix needs an 'img_path' folder")
        masks = [
            Source(prefix.get(field),
                   required=field == 'gt_path' and not self.test_mode)
            for field in MASK_FIELDS
        ]
        samples = collect_samples(Source(prefix['img_path']), masks, stems)
        for sample in samples:
            sample['out_name'] = f"{sample['name']}.png"
        return samples
