"""Scenes of touching and occluding objects (segrefiner.datagen.scenes)."""
import json

import numpy as np
import pytest

from segrefiner.datagen.photos import Photo
from segrefiner.datagen.real_samples import generate_real_samples
from segrefiner.datagen.scenes import make_scene
from segrefiner.io import write_image

pytest.importorskip('skimage')


@pytest.fixture
def photos(tmp_path):
    """Three textured photos with a bright disc each."""
    out = []
    for i in range(3):
        rng = np.random.default_rng(i)
        image = rng.integers(20, 70, (300, 400, 3)).astype(np.uint8)
        yy, xx = np.mgrid[:300, :400]
        disc = (yy - 150)**2 + (xx - 200)**2 <= 80**2
        image[disc] = rng.integers(190, 240, (int(disc.sum()), 3))
        write_image(tmp_path / f'p{i}.png', image)
        out.append(Photo(f't/p{i}', str(tmp_path / f'p{i}.png')))
    return out


def test_scene_is_seeded_and_its_mask_is_one_visible_object(photos):
    scenes = [make_scene(photos, np.random.default_rng([1, i]), 256)
              for i in range(8)]
    found = [s for s in scenes if s is not None]
    assert found, 'no acceptable scene in 8 draws'
    for image, mask, names in found:
        assert image.shape[:2] == mask.shape and image.dtype == np.uint8
        assert set(np.unique(mask)) <= {0, 1}
        assert 0.02 <= mask.mean() <= 0.6
        assert len(names) >= 2 and names[0] in {p.name for p in photos}
    again = make_scene(photos, np.random.default_rng([1, 0]), 256)
    if scenes[0] is not None:
        assert np.array_equal(again[1], scenes[0][1])
        assert np.array_equal(again[0], scenes[0][0])


def test_occluded_object_keeps_only_its_visible_part(photos, monkeypatch):
    """Two full squares, the second pasted over the first's right half:
    the first object's truth is its left half."""
    import segrefiner.datagen.scenes as scenes
    square = np.ones((100, 100), np.uint8)
    cuts = iter([(np.full((100, 100, 3), 200, np.uint8), square),
                 (np.full((100, 100, 3), 60, np.uint8), square)])
    spots = iter([(50, 50), (100, 50)])
    monkeypatch.setattr(scenes, '_cut_object', lambda photo, rng: next(cuts))
    monkeypatch.setattr(scenes, '_place', lambda rng, size, box, u: next(spots))
    area = 100 * 100 / (300 * 400)  # scale 1 on the 300x400 photo
    monkeypatch.setattr(scenes, 'OBJECT_AREA', (area, area))

    class Rng:  # two objects; scale 1; the lower object picked first

        def integers(self, low, high=None):
            return 2 if high == 5 else 0

        def choice(self, a, size=None, replace=True, p=None):
            if size is None:
                return a[-1] if not np.isscalar(a) else 0
            return np.asarray(a)[:size]

        def uniform(self, low, high=None):
            return low

    image, mask, names = scenes.make_scene(photos, Rng(), 400)
    ys, xs = np.nonzero(mask)
    assert xs.min() == 50 and xs.max() == 99  # left half of the first one
    assert ys.min() == 50 and ys.max() == 149
    assert (image[60, 60] > 150).all() and (image[60, 120] < 100).all()


def test_writer_draws_scenes_when_asked(photos, tmp_path):
    out = tmp_path / 'out'
    list(generate_real_samples(out, photos, 2, seed=3, max_side=256,
                               kinds=[('scene', 1.0)]))
    meta = json.loads((out / 'meta' / '000001.json').read_text())
    assert meta['kind'] == 'scene' and len(meta['photos']) >= 2
