"""Object labellers on real photos and the resumable sample writer."""
import json

import numpy as np
import pytest

from segrefiner.datagen.photos import Photo
from segrefiner.datagen.real_objects import (clean_object, grabcut_object,
                                          paste_object, region_object)
from segrefiner.datagen.real_samples import generate_real_samples

pytest.importorskip('skimage')


def _scene(seed=0, h=192, w=256):
    """A textured background with a brighter disc: a clear object."""
    rng = np.random.default_rng(seed)
    image = rng.integers(20, 70, (h, w, 3)).astype(np.uint8)
    yy, xx = np.mgrid[:h, :w]
    disc = (yy - h // 2)**2 + (xx - w // 2)**2 <= (h // 4)**2
    image[disc] = rng.integers(190, 240, (int(disc.sum()), 3))
    return image, disc


def test_clean_object_keeps_one_component_and_fills_small_holes():
    m = np.zeros((100, 100), np.uint8)
    m[20:80, 20:80] = 1
    m[50, 50] = 0
    m[2:4, 2:4] = 1  # a speck
    out = clean_object(m)
    assert out[50, 50] == 1 and out[2, 2] == 0
    assert clean_object(np.zeros((10, 10), np.uint8)) is None
    assert clean_object(np.ones((10, 10), np.uint8)) is None  # too large


def test_labellers_follow_the_object_edge():
    image, disc = _scene()
    rng = np.random.default_rng(0)
    hits = [m for m in (region_object(image, rng) for _ in range(12))
            if m is not None]
    assert hits, 'no region object found'
    best = max(((m & disc).sum() / (m | disc).sum() for m in hits))
    assert best > 0.9
    cut = [grabcut_object(image, rng) for _ in range(6)]
    assert all(m is None or m.shape == disc.shape for m in cut)


def test_paste_keeps_the_outline_on_another_photo():
    image, disc = _scene()
    target = np.full((200, 300, 3), 128, np.uint8)
    pasted = paste_object(image, disc.astype(np.uint8), target,
                          np.random.default_rng(3))
    assert pasted is not None
    out, mask = pasted
    assert out.shape == target.shape and mask.shape == (200, 300)
    inside = out[mask.astype(bool)].mean()
    assert inside > 150 and (out[~mask.astype(bool)] == 128).mean() > 0.95


def _photos(folder, num):
    """``num`` scenes written as photos of a split."""
    from segrefiner.io import write_image
    photos = []
    for i in range(num):
        image, _ = _scene(i, 300, 400)
        write_image(folder / f'p{i}.png', image)
        photos.append(Photo(f't/p{i}', str(folder / f'p{i}.png')))
    return photos


def test_writer_is_seeded_and_resumes(tmp_path):
    photos = _photos(tmp_path, 3)
    out = tmp_path / 'out'
    list(generate_real_samples(out, photos, 3, seed=7, coarse_sources=[
        'mask_head', 'exact']))
    first = (out / 'masks' / '000001.png').read_bytes()
    meta = json.loads((out / 'meta' / '000001.json').read_text())
    assert meta['kind'] in ('regions', 'paste', 'grabcut')
    assert (out / 'coarse_mask_head' / '000002.png').exists()
    (out / 'masks' / '000001.png').unlink()
    (out / 'meta' / '000001.json').unlink()
    list(generate_real_samples(out, photos, 3, seed=7, coarse_sources=[
        'mask_head', 'exact']))
    assert (out / 'masks' / '000001.png').read_bytes() == first
    assert 'p0' in (out / 'photos.tsv').read_text()


def test_polygon_truths_are_drawn_before_the_coarse_masks(tmp_path):
    from segrefiner.io import load_mask
    from segrefiner.data.annotation_style import polygon_annotation
    photos = _photos(tmp_path, 2)
    plain, poly = tmp_path / 'plain', tmp_path / 'poly'
    list(generate_real_samples(plain, photos, 2, seed=3,
                               coarse_sources=['exact']))
    list(generate_real_samples(poly, photos, 2, seed=3,
                               coarse_sources=['exact'], polygon=2.0))
    for stem in ('000000', '000001'):
        truth = load_mask(plain / 'masks' / f'{stem}.png')
        drawn = load_mask(poly / 'masks' / f'{stem}.png')
        assert (drawn == polygon_annotation(truth, 2.0)).all()
        assert (drawn != truth).any()  # the same object, redrawn
        assert (load_mask(poly / 'coarse_exact' / f'{stem}.png') == drawn).all()
