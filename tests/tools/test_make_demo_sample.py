"""tools/make_demo_sample.py: the bundled sample is the held-out scene the
tool makes (needs Debian's lomiri-wallpapers; skipped without it)."""
import os
import runpy

import numpy as np
import pytest

from segrefiner.datagen.photos import find_photos, photo_split
from segrefiner.io import load_image, load_mask

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, 'tools', 'make_demo_sample.py')
SAMPLE = os.path.join(ROOT, 'demo', 'sample')


def test_the_demo_photos_are_all_in_the_validation_split():
    tool = runpy.run_path(TOOL)
    for name in (tool['BACKGROUND'], ) + tool['OBJECT_PHOTOS']:
        assert photo_split(name) == 'val', name


@pytest.mark.skipif(
    'backgrounds/seeding_by_Clements_Engelhardt' not in
    {photo.name for photo in find_photos()},
    reason='lomiri-wallpapers is not installed')
def test_rebuilds_the_bundled_sample(tmp_path, run_tool):
    code, cap = run_tool(tmp_path)
    assert code == 0, cap.err
    assert cap.out.startswith('seed 11: 512x288')
    for name in ('gt.png', 'coarse.png'):
        assert np.array_equal(load_mask(tmp_path / name),
                              load_mask(os.path.join(SAMPLE, name))), name
    made = load_image(tmp_path / 'image.jpg').astype(int)
    bundled = load_image(os.path.join(SAMPLE, 'image.jpg')).astype(int)
    assert np.abs(made - bundled).mean() < 1.0  # JPEG: the same picture
