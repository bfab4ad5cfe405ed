"""The ``sam`` format on files in segment-anything's exact layouts: read,
written back field for field, and bad files named with file and line."""
import json

import cv2
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from sam_layouts import (sam_box, sam_records, write_png_layout,
                         write_rle_layout)
from segrefiner.formats import FORMATS, detect_format
from segrefiner.formats.sam import HEADER, sam_bbox

SHAPE = (24, 32)


def scene():
    """Three masks: a box, a box nested in it, a box overlapping both."""
    masks = np.zeros((3, ) + SHAPE, bool)
    masks[0, 2:20, 3:25] = True
    masks[1, 6:12, 8:15] = True
    masks[2, 15:23, 20:31] = True
    return masks


def test_bbox_is_segment_anythings():
    rng = np.random.default_rng(0)
    cases = [np.zeros(SHAPE, bool), np.eye(5, dtype=bool)[:4]]
    cases += [rng.random(SHAPE) < p for p in (0.002, 0.05, 0.5)]
    one = np.zeros(SHAPE, bool)
    one[3, 7] = True
    for mask in cases + [one]:
        assert sam_bbox(mask) == sam_box(mask)
    assert sam_bbox(one) == [7, 3, 0, 0]


def layouts(tmp_path):
    """``a``: the PNG layout, ``b``: the RLE layout, of the same masks."""
    sam = tmp_path / 'sam'
    images = tmp_path / 'images'
    images.mkdir()
    for stem in 'ab':
        cv2.imwrite(str(images / f'{stem}.jpg'), np.zeros(SHAPE + (3, )))
    write_png_layout(sam, 'a', sam_records(scene()))
    write_rle_layout(sam, 'b', sam_records(scene(), 'coco_rle'))
    return images, sam


def test_detected_and_paired_in_both_layouts(tmp_path):
    images, sam = layouts(tmp_path)
    assert detect_format(images, sam) == 'sam'
    (images / 'c.jpg').write_bytes((images / 'a.jpg').read_bytes())
    pairs = {p.key: p for p in FORMATS['sam'].pairs(images, sam)}
    assert pairs['a'].mask == sam / 'a' and pairs['b'].mask == sam / 'b.json'
    assert pairs['a'].problem is None and pairs['b'].problem is None
    assert pairs['c'].problem.startswith(
        'no SAM masks for this image (looked for c/metadata.csv or c.json')


def test_written_back_with_only_the_refined_masks_changed(tmp_path):
    images, sam = layouts(tmp_path)
    fmt = FORMATS['sam']
    refined = scene()
    refined[0, 2:20, 3:28] = True  # mask 0 refined; 1 and 2 left as they were
    for pair in fmt.pairs(images, sam):
        prediction = fmt.read(pair, SHAPE, False)
        assert np.array_equal(prediction.data, scene())
        fmt.write(tmp_path / 'out' / pair.mask.name, prediction, refined)

    old = (sam / 'a' / 'metadata.csv').read_text().split('\n')
    new = (tmp_path / 'out' / 'a' / 'metadata.csv').read_text().split('\n')
    assert old[0] == new[0] == HEADER and len(new) == 4  # no final newline
    assert new[2:] == old[2:]  # untouched rows, byte for byte
    fields = new[1].split(',')
    assert fields[0] == '0' and fields[6:] == old[1].split(',')[6:]
    assert fields[1:6] == [str(refined[0].sum())] + [
        str(v) for v in sam_box(refined[0])]
    out = tmp_path / 'out' / 'a'
    assert sorted(p.name for p in out.iterdir()) == [
        '0.png', '1.png', '2.png', 'metadata.csv']
    for i in (1, 2):
        assert (out / f'{i}.png').read_bytes() == (
            sam / 'a' / f'{i}.png').read_bytes()
    png = cv2.imread(str(out / '0.png'), cv2.IMREAD_UNCHANGED)
    assert png.dtype == np.uint8 and set(np.unique(png)) == {0, 255}
    assert np.array_equal(png > 0, refined[0])

    records = json.loads((sam / 'b.json').read_text())
    text = (tmp_path / 'out' / 'b.json').read_text()
    written = json.loads(text)
    assert written[1:] == records[1:]
    assert {k: v for k, v in written[0].items()
            if k not in ('segmentation', 'area', 'bbox')} == {
                k: v for k, v in records[0].items()
                if k not in ('segmentation', 'area', 'bbox')}
    assert np.array_equal(mask_utils.decode(written[0]['segmentation']),
                          refined[0])
    assert isinstance(written[0]['segmentation']['counts'], str)
    assert written[0]['area'] == int(refined[0].sum())
    assert written[0]['bbox'] == sam_box(refined[0])
    assert text == json.dumps(written)  # json.dump's own spacing


@pytest.mark.parametrize('edit, problem', [
    (lambda t: t.replace('id,area', 'id,size'),
     'metadata.csv: line 1: not the header of segment-anything'),
    (lambda t: t.replace('\n1,', '\n1,7,'),
     'metadata.csv: line 3: 15 fields, expected 14'),
    (lambda t: t.replace('\n2,', '\nx,'),
     "metadata.csv: line 4: id 'x' is not a number"),
    (lambda t: t.replace('\n2,', '\n1,'),
     "metadata.csv: line 4: id '1' is not a new mask number"),
    (lambda t: t.replace('\n2,', '\n5,'),
     'metadata.csv: line 4: no mask file 5.png in'),
    (lambda t: t.rsplit('\n', 1)[0], '2.png: a mask that metadata.csv does '
     'not list'),
])
def test_a_malformed_metadata_csv_is_named_with_its_line(
        tmp_path, edit, problem):
    images, sam = layouts(tmp_path)
    csv = sam / 'a' / 'metadata.csv'
    csv.write_text(edit(csv.read_text()))
    pair = {p.key: p for p in FORMATS['sam'].pairs(images, sam)}['a']
    with pytest.raises(ValueError) as error:
        FORMATS['sam'].read(pair, SHAPE, False)
    assert problem in str(error.value)
    assert str(error.value).startswith(str(sam / 'a'))


@pytest.mark.parametrize('edit, problem', [
    (lambda r: r[1].pop('segmentation'),
     'b.json: mask 1: not a dict with a segmentation'),
    (lambda r: r[2].update(segmentation=[1, 2]),
     'b.json: mask 2: its segmentation is neither'),
    (lambda r: r[0].update(segmentation=sam_records(
        np.ones((1, 4, 4)), 'coco_rle')[0]['segmentation']),
     r'b.json: masks of several sizes \[\(4, 4\), \(24, 32\)\]'),
    (lambda r: r[0]['segmentation'].update(size=[4, 4]),
     'b.json: mask 0: Invalid RLE'),
])
def test_a_malformed_json_is_named_with_its_index(tmp_path, edit, problem):
    images, sam = layouts(tmp_path)
    records = json.loads((sam / 'b.json').read_text())
    edit(records)
    (sam / 'b.json').write_text(json.dumps(records))
    pair = {p.key: p for p in FORMATS['sam'].pairs(images, sam)}['b']
    with pytest.raises(ValueError, match=problem):
        FORMATS['sam'].read(pair, SHAPE, False)
