"""Scenes and settings shared by the tools/refine.py tests."""
import os

import cv2
import numpy as np

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, 'tools', 'refine.py')
TINY = [
    '--config',
    os.path.join(ROOT, 'configs', 'segrefiner', 'segrefiner_tiny.py'),
    '--checkpoint', 'random', '--cfg-options', 'model.test_cfg.model_size=64'
]


def ellipse(shape, grow=0, centre=None):
    """A 0/255 uint8 ellipse mask."""
    height, width = shape
    mask = np.zeros(shape, np.uint8)
    centre = centre or (width // 2, height // 2)
    cv2.ellipse(mask, centre, (width // 4 + grow, height // 4 + grow), 0, 0,
                360, 255, -1)
    return mask


def photo(mask, seed=0):
    """An RGB uint8 image whose bright object is ``mask``."""
    rng = np.random.default_rng(seed)
    base = np.where(mask[..., None] > 0, 200, 40).astype(np.uint8)
    return base + rng.integers(0, 30, mask.shape + (3, ), dtype=np.uint8)


def error_lines(err):
    return [line for line in err.splitlines() if line.startswith('error:')]
