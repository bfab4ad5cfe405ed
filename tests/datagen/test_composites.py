"""Composites: bundled photos only, determinism, exact masks, varied shapes."""
import cv2
import numpy as np
import pytest

from segrefiner.data import fill_holes
from segrefiner.datagen import PHOTOS, load_photo, make_composite, random_shape


def test_every_bundled_photo_loads_offline():
    for name in PHOTOS:
        photo = load_photo(name)
        assert photo.ndim == 3 and photo.shape[2] == 3
        assert photo.dtype == np.uint8 and min(photo.shape[:2]) >= 256
    with pytest.raises(ValueError):
        load_photo('eagle')  # in skimage.data, but a download


def test_deterministic_per_seed():
    first = make_composite(np.random.default_rng(4), (96, 128))
    again = make_composite(np.random.default_rng(4), (96, 128))
    other = make_composite(np.random.default_rng(5), (96, 128))
    for a, b in zip(first, again):
        assert np.array_equal(a, b)
    assert not np.array_equal(first.image, other.image)
    assert not np.array_equal(first.mask, other.mask)


def test_masks_are_exact():
    for seed in range(6):
        comp = make_composite(np.random.default_rng(seed), (96, 128))
        inside = comp.mask.astype(bool)
        assert comp.image.shape == (96, 128, 3) and comp.mask.shape == (96,
                                                                        128)
        assert set(np.unique(comp.mask)) == {0, 1}
        assert np.array_equal(comp.image[inside], comp.foreground[inside])
        assert np.array_equal(comp.image[~inside], comp.background[~inside])
        # the two layers are different photos, so the object is visible
        assert (comp.foreground != comp.background).any(-1)[inside].mean() > .5


def test_shapes_have_holes_and_thin_parts():
    holes = thin = 0
    for seed in range(12):
        mask = random_shape(np.random.default_rng(seed), (256, 256))
        assert 0.03 <= mask.mean() <= 0.7
        holes += fill_holes(mask).sum() > mask.sum()
        opened = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5)))
        thin += mask.sum() - opened.sum() > 50
    assert holes >= 3 and thin >= 3
