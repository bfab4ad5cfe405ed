"""``labelmap``: mmseg's ``tools/test.py --out`` class-index PNGs, one per
image, matched by stem and written back with their mode and palette."""
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from ..io import (Pair, fit_to, pair_files, read_label_map,
                  write_label_map)
from .base import FolderFormat, Prediction
from .masks import MaskFolder

__all__ = ['LabelMaps']


class LabelMaps(FolderFormat):
    """Label maps by stem; never detected (they look like masks: name
    them)."""
    name = 'labelmap'
    protocol = 'labelmap'
    reads = 'a folder of mmseg label maps (class-index PNGs) by stem'
    unit = 'label maps'

    def check(self, images: Path, predictions: Path) -> Optional[str]:
        return MaskFolder().check(images, predictions)

    def pairs(self, image_dir: Path, pred_dir: Path) -> List[Pair]:
        return pair_files(image_dir, pred_dir)

    def read(self, pair: Pair, shape: Tuple[int, int],
             resize: bool) -> Prediction:
        labels, like = read_label_map(pair.mask)
        return Prediction(fit_to(labels, shape, resize, 'label map'), like)

    def write(self, out: Path, prediction: Prediction,
              refined: np.ndarray) -> None:
        write_label_map(out, refined, prediction.keep)
