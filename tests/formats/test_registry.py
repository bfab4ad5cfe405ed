"""The table of prediction formats: detection order and flag checks."""
import cv2
import numpy as np

from segrefiner.formats import (FORMATS, FileFormat, FolderFormat,
                                check_flags, detect_format)
from segrefiner.io import pair_files


def touch(folder, *names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        cv2.imwrite(str(folder / name), np.zeros((4, 4), np.uint8))


def test_detects_formats(tmp_path):
    touch(tmp_path / 'big', 'a_im.jpg', 'a_seg.png', 'a_gt.png')
    touch(tmp_path / 'm', 'a.png')
    assert detect_format(tmp_path / 'big', tmp_path / 'big') == 'big'
    assert detect_format(tmp_path / 'big', tmp_path / 'm') == 'masks'
    assert detect_format(tmp_path, tmp_path / 'r.PKL') == 'mmdet-pkl'
    assert detect_format(tmp_path, tmp_path / 'r.segm.json') == 'coco-json'
    big = {p.key: p for p in pair_files(tmp_path / 'big', tmp_path / 'big',
                                        '_im', '_seg')}
    assert list(big) == ['a'] and big['a'].mask.name == 'a_seg.png'


def test_every_format_is_one_complete_object():
    assert list(FORMATS)[-1] == 'masks'  # the fallback is tried last
    for name, fmt in FORMATS.items():
        assert fmt.name == name and fmt.reads
        assert fmt.protocol in ('mask', 'labelmap', 'instances')
        assert isinstance(fmt, (FileFormat, FolderFormat))
        assert fmt.one_file == isinstance(fmt, FileFormat)


def test_flags_are_checked_from_the_table():
    assert check_flags('coco-json', ['ann', 'batch_images']) is None
    assert check_flags('coco-json', []) == 'coco-json needs --ann'
    assert check_flags('masks', ['ann']) == '--ann is for coco-json, not masks'
    assert check_flags('labelmap', ['mode']) == (
        '--mode is for big, masks, not labelmap')
    assert check_flags('labelmap', ['batch_images']).startswith(
        '--batch-images is for mmdet-pkl, coco-json, ')
