"""tools/gen_labelme_val.py: labelme's example polygons as a folder set."""
import io
import json
import os
import tarfile

import cv2
import numpy as np

from segrefiner.io import load_mask

TOOL = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), 'tools', 'gen_labelme_val.py')


def _add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _square(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def _sdist(path, width=120):
    """A labelme-like sdist: one VOC-style photo, two overlapping people
    (the second drawn over the first), a two-part sofa and an ignore
    region, plus a video frame with a tiny object."""
    shapes = [
        dict(label='person', group_id=None, shape_type='polygon',
             points=_square(10, 10, 60, 70)),
        dict(label='person', group_id=None, shape_type='polygon',
             points=_square(40, 10, 90, 70)),
        dict(label='sofa', group_id=0, shape_type='polygon',
             points=_square(10, 75, 40, 95)),
        dict(label='sofa', group_id=0, shape_type='polygon',
             points=_square(60, 75, 100, 95)),
        dict(label='__ignore__', group_id=None, shape_type='polygon',
             points=_square(10, 60, 20, 70)),
    ]
    doc = dict(imageWidth=width, imageHeight=100, imagePath='a.jpg',
               shapes=shapes)
    image = cv2.imencode('.jpg', np.full((100, 120, 3), 90, np.uint8))[1]
    frame = dict(imageWidth=120, imageHeight=100, imagePath='f.jpg', shapes=[
        dict(label='car', shape_type='polygon', points=_square(1, 1, 5, 5))])
    root = 'labelme-0.0/examples/'
    with tarfile.open(path, 'w:gz') as tar:
        folder = root + 'instance_segmentation/data_annotated/'
        _add(tar, folder + 'a.json', json.dumps(doc).encode())
        _add(tar, folder + 'a.jpg', image.tobytes())
        folder = root + 'video_annotation/data_annotated/'
        _add(tar, folder + 'f.json', json.dumps(frame).encode())
        _add(tar, folder + 'f.jpg', image.tobytes())


def test_objects_are_visible_parts_with_coarse_masks(tmp_path, run_tool):
    _sdist(tmp_path / 'labelme.tar.gz')
    out = tmp_path / 'val'
    code, cap = run_tool(tmp_path / 'labelme.tar.gz', out, '--coarse',
                         'mask_head', 'exact', '--min-area', '100')
    assert code == 0, cap.err
    stems = sorted(p.stem for p in (out / 'masks').iterdir())
    assert stems == ['voc_a_00_person', 'voc_a_01_person', 'voc_a_02_sofa']
    first = load_mask(out / 'masks' / 'voc_a_00_person.png')
    assert first[30, 20] and not first[30, 50]  # covered by the second
    assert not first[65, 15]  # the ignore region is cut out
    sofa = load_mask(out / 'masks' / 'voc_a_02_sofa.png')
    assert sofa[85, 20] and sofa[85, 80] and not sofa[85, 50]  # one object
    assert (out / 'images' / 'voc_a_02_sofa.jpg').read_bytes()[:2] == \
        b'\xff\xd8'
    exact = load_mask(out / 'coarse_exact' / 'voc_a_02_sofa.png')
    assert np.array_equal(exact, sofa)
    assert (out / 'coarse_mask_head' / 'voc_a_01_person.png').exists()
    rows = (out / 'instances.tsv').read_text().splitlines()
    assert rows[0] == 'stem\tphoto\tlabel\tarea' and len(rows) == 4


def test_bad_archives_are_one_error_line(tmp_path, run_tool):
    (tmp_path / 'junk.tar.gz').write_bytes(b'not a tar')
    code, cap = run_tool(tmp_path / 'junk.tar.gz', tmp_path / 'out')
    assert code == 1 and cap.err.startswith('error: ')
    _sdist(tmp_path / 'bad.tar.gz', width=99)
    code, cap = run_tool(tmp_path / 'bad.tar.gz', tmp_path / 'out')
    assert code == 1 and 'annotation is 99x100' in cap.err
