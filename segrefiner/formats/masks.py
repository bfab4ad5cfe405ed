"""``masks``: a folder of binary masks matched to the images by file stem.

``a.jpg`` ~ ``a.png``; masks 0/1 or 0/255, PNG, JPEG or 16-bit, each
written back under its own name in its own scale.
"""
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from ..io import Pair, fit_to, pair_files, read_mask_file, write_mask
from .base import FolderFormat, Prediction

__all__ = ['MaskFolder']


class MaskFolder(FolderFormat):
    """Binary masks by stem (the fallback of ``--format auto``).

    A lossless file with more than two values is refused as a likely label
    map (``--format labelmap``): the first one refuses the whole folder.
    """
    name = 'masks'
    protocol = 'mask'
    reads = 'a folder of binary masks, matched to the images by stem'
    flags = frozenset({'mode', 'batch_images'})
    unit = 'masks'
    #: The image and mask stems' tags (BIG: ``'_im'``, ``'_seg'``).
    tags = ('', '')

    def detect(self, images: Path, predictions: Path) -> bool:
        return True

    def check(self, images: Path, predictions: Path) -> Optional[str]:
        if predictions.resolve() == images.resolve():
            return ('IMAGES holds no BIG *_im / *_seg files: give the '
                    'prediction folder too (IMAGES PREDICTIONS)')
        return None

    def pairs(self, image_dir: Path, pred_dir: Path) -> List[Pair]:
        return pair_files(image_dir, pred_dir, *self.tags)

    def check_pairs(self, pairs: List[Pair]) -> None:
        """Refuse the folder if its first readable mask is not binary.

        One error for the whole folder before anything is refined, rather
        than one per label map; later files are still checked one by one.

        Raises:
            ValueError: Naming the file and ``--format labelmap``.
        """
        for pair in pairs:
            if pair.problem is None:
                try:
                    read_mask_file(pair.mask, binary_only=True)
                except ValueError as error:
                    if 'labelmap' in str(error):
                        raise
                    continue  # an unreadable file: reported by the batch
                return

    def read(self, pair: Pair, shape: Tuple[int, int],
             resize: bool) -> Prediction:
        mask, value = read_mask_file(pair.mask, binary_only=True)
        return Prediction(fit_to(mask, shape, resize), value)

    def write(self, out: Path, prediction: Prediction,
              refined: np.ndarray) -> None:
        write_mask(out, refined, prediction.keep)
