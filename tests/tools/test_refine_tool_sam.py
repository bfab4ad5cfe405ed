"""tools/refine.py on segment-anything's amg.py output, both layouts.

Same settings as test_refine_tool.py (tiny config, random weights seeded
as the tool seeds them, ``main`` run in this process); the SAM files are
built in amg.py's exact layouts (tests/sam_layouts.py).
"""
import json
import os

import numpy as np
import pytest
import torch
from pycocotools import mask as mask_utils

from refine_scenes import TINY, error_lines
from refine_scenes import TOOL  # noqa: F401  (the script run_tool runs)
from sam_layouts import (HEADER, sam_box, sam_records, write_png_layout,
                         write_rle_layout)
from segrefiner.io import load_image, write_image


def scene(shift=0, height=64, width=96):
    """An image and SAM-like masks: a person, a shirt nested in it, a
    crowd overlapping it, and a speck under area_thr (72 px < 512)."""
    yy, xx = np.mgrid[:height, :width]
    person = (yy - 32)**2 / 26**2 + (xx - 40 - shift)**2 / 18**2 < 1
    shirt = (np.abs(yy - 34) < 12) & (np.abs(xx - 40 - shift) < 14)
    crowd = (yy > 20) & (xx > 30 + shift)
    speck = (np.abs(yy - 5) < 5) & (np.abs(xx - 90) < 4)
    rng = np.random.default_rng(shift)
    image = np.where(person[..., None], 190, 50).astype(np.uint8) + (
        rng.integers(0, 40, (height, width, 3), dtype=np.uint8))
    return image, np.stack([person, shirt, crowd, speck])


def tiny_model():
    from segrefiner.apis import init_refiner
    torch.manual_seed(0)  # the tool's seeded random weights
    return init_refiner(TINY[1], 'random',
                        cfg_options={'model.test_cfg.model_size': 64})


def check_png_layout(out, sam, refined):
    """``out`` is ``sam`` with ``refined`` masks: PNGs, area and bbox of the
    refined ones anew, every other byte as it was."""
    old = (sam / 'metadata.csv').read_text().split('\n')
    new = (out / 'metadata.csv').read_text().split('\n')
    assert new[0] == old[0] == HEADER and len(new) == len(old)
    assert sorted(os.listdir(out)) == sorted(os.listdir(sam))
    for i, mask in enumerate(refined):
        png = load_image(out / f'{i}.png')[..., 0]
        assert set(np.unique(png)) <= {0, 255}
        assert np.array_equal(png > 0, mask)
        fields, before = new[i + 1].split(','), old[i + 1].split(',')
        assert fields[0] == before[0] and fields[6:] == before[6:]
        assert fields[1:6] == [str(v) for v in [mask.sum()] + sam_box(mask)]
    return new


def test_both_layouts_equal_refine_instances_and_bad_files_are_named(
        tmp_path, run_tool):
    from segrefiner.apis import refine_instances
    images, sam, out = tmp_path / 'images', tmp_path / 'sam', tmp_path / 'out'
    image, masks = scene()
    for stem in 'abcd':
        write_image(images / f'{stem}.png', image)
    write_png_layout(sam, 'a', sam_records(masks))
    write_rle_layout(sam, 'b', sam_records(masks, 'coco_rle', seed=1))
    csv = write_png_layout(sam, 'c', sam_records(masks)) + '/metadata.csv'
    with open(csv) as f:
        text = f.read().replace('\n1,', '\n1,7,')
    with open(csv, 'w') as f:
        f.write(text)
    records = sam_records(masks, 'coco_rle')
    del records[1]['segmentation']
    write_rle_layout(sam, 'd', records)

    code, io = run_tool(images, sam, '--out', out, *TINY)
    assert code == 1
    assert error_lines(io.err) == [
        f'error: {csv}: line 3: 15 fields, expected 14 ({HEADER})',
        f'error: {sam / "d.json"}: mask 1: not a dict with a segmentation'
    ]
    assert ('refined 2, passed through 0, skipped 0 (resume), failed 2; '
            'masks: 6 refined, 2 under area_thr=512 px; outputs in') in io.out
    assert sorted(os.listdir(out)) == ['a', 'b.json']

    expected = refine_instances(tiny_model(), load_image(images / 'a.png'),
                                masks, seed=0)
    assert not np.array_equal(expected[:3], masks[:3])  # really refined
    assert np.array_equal(expected[3], masks[3])  # the speck passed through
    rows = check_png_layout(out / 'a', sam / 'a', expected)
    assert rows[4] == (sam / 'a' / 'metadata.csv').read_text().split('\n')[4]
    assert (out / 'a' / '3.png').read_bytes() == (
        sam / 'a' / '3.png').read_bytes()
    old = json.loads((sam / 'b.json').read_text())
    new = json.loads((out / 'b.json').read_text())
    assert new[3] == old[3]
    for before, after, mask in zip(old, new, expected):
        assert after.keys() == before.keys()
        assert np.array_equal(mask_utils.decode(after['segmentation']), mask)
        assert after['area'] == mask.sum() and after['bbox'] == sam_box(mask)
        assert all(after[k] == before[k] for k in before
                   if k not in ('segmentation', 'area', 'bbox'))

    code, io = run_tool(images, sam, '--out', out, '--resume', *TINY)
    assert ('refined 0, passed through 0, skipped 2 (resume), failed 2'
            in io.out)


def test_batch_images_and_images_with_nothing_to_refine(tmp_path, run_tool):
    from segrefiner.apis import SegRefinerPredictor
    images, sam, out = tmp_path / 'images', tmp_path / 'sam', tmp_path / 'out'
    (image_a, masks_a), (image_b, masks_b) = scene(), scene(shift=12)
    write_image(images / 'a.png', image_a)
    write_image(images / 'b.png', image_b)
    write_image(images / 'e.png', image_a)
    write_png_layout(sam, 'a', sam_records(masks_a))
    write_rle_layout(sam, 'b', sam_records(masks_b, 'coco_rle'))
    write_png_layout(sam, 'e', sam_records(masks_a[3:]))  # the speck alone
    with pytest.raises(SystemExit):
        run_tool(images, sam, '--out', out, '--mode', 'hr')  # not for sam
    code, io = run_tool(images, sam, '--out', out, '--batch-images', '2',
                        '--format', 'sam', *TINY)
    assert code == 0, io.err
    assert ('refined 2, passed through 1 (1 all masks under area_thr=512 '
            'px), skipped 0 (resume), failed 0; masks: 6 refined, 3 under'
            in io.out)
    expected = SegRefinerPredictor(tiny_model()).refine_instances_together(
        [load_image(images / 'a.png'), load_image(images / 'b.png')],
        [masks_a, masks_b], seed=0)
    check_png_layout(out / 'a', sam / 'a', expected[0])
    new = json.loads((out / 'b.json').read_text())
    assert all(np.array_equal(mask_utils.decode(record['segmentation']), m)
               for record, m in zip(new, expected[1]))
    for name in os.listdir(sam / 'e'):  # passed through: as it was
        assert (out / 'e' / name).read_bytes() == (sam / 'e' /
                                                   name).read_bytes()
