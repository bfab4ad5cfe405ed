"""Fixtures writing tiny image and mask files for the dataset tests."""
from pathlib import Path

import cv2
import numpy as np
import pytest

SHAPE = (12, 16)


@pytest.fixture
def touch(tmp_path):
    """``touch('a/b.png', ...)`` writes small valid image files under
    ``tmp_path`` (masks: a 0/255 square; ``.jpg``: a grey image) and returns
    ``tmp_path``."""

    def write(*names: str) -> Path:
        for name in names:
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            image = np.zeros(SHAPE, np.uint8)
            image[3:9, 4:12] = 255
            if path.suffix == '.jpg':
                image = np.full(SHAPE + (3, ), 128, np.uint8)
            assert cv2.imwrite(str(path), image)
        return tmp_path

    return write
