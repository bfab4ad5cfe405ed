"""``sam``: segment-anything's automatic masks, as ``scripts/amg.py`` saves
them.

``amg.py --input IMAGES --output SAM_OUT`` saves each image's
``SamAutomaticMaskGenerator.generate()`` records (SAM 2's generator keeps
the same conventions) in one of two layouts (facebookresearch/
segment-anything, ``scripts/amg.py``):

* PNG (``write_masks_to_folder``): ``SAM_OUT/<stem>/`` holds ``<i>.png``,
  mask ``i`` times 255, and ``metadata.csv``: the header :data:`HEADER`,
  then one row per mask of the records' values as ``str()`` gives them,
  lines joined by ``\\n`` with no final newline;
* RLE (``--convert-to-rle``): ``SAM_OUT/<stem>.json``, the ``json.dump`` of
  the records, ``segmentation`` a COCO RLE with ``str`` counts.

A record's ``area`` is the mask's pixel count (``area_from_rle``) and its
``bbox`` the XYWH box of the mask's extreme pixels (``box_xyxy_to_xywh``
of ``batched_mask_to_box`` in ``segment_anything/utils/amg.py``: ``w = x1 -
x0``, ``[0, 0, 0, 0]`` for an empty mask). The other fields (``id``,
``predicted_iou``, ``point_coords``, ``stability_score``, ``crop_box``)
describe how SAM found the mask.

All masks of an image are refined together by the instance protocol and
stay separate masks, however they nest or overlap. They are written back in
the layout, files and rows they came in: a refined mask gets its PNG or
``segmentation``, ``area`` and ``bbox`` anew; every other field, and every
mask the refinement left as it was (those under the model's ``area_thr``),
keeps its bytes.
"""
import json
import shutil
from pathlib import Path
from typing import Any, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from ..io import (Pair, atomic_folder, atomic_write_bytes, decode_segmentation,
                  encode_rle, encode_uncompressed_rle, fit_to, index_by_key,
                  match_pairs, read_mask_file, read_result_file, write_mask)
from .base import FolderFormat, Prediction

__all__ = ['HEADER', 'SamMasks', 'sam_bbox', 'sam_masks', 'updated_records']

#: The header of ``metadata.csv``, as ``amg.py`` writes it.
HEADER = ('id,area,bbox_x0,bbox_y0,bbox_w,bbox_h,point_input_x,'
          'point_input_y,predicted_iou,stability_score,crop_box_x0,'
          'crop_box_y0,crop_box_w,crop_box_h')
COLUMNS = HEADER.split(',')
METADATA = 'metadata.csv'


def sam_bbox(mask: np.ndarray) -> List[int]:
    """SAM's XYWH ``bbox`` of an HxW mask (see the module docstring).

    Examples:
        >>> sam_bbox(np.array([[0, 0, 0], [0, 1, 1]]))
        [1, 1, 1, 0]
    """
    rows = np.flatnonzero(np.any(mask, axis=1))
    cols = np.flatnonzero(np.any(mask, axis=0))
    if not len(rows):
        return [0, 0, 0, 0]
    return [int(cols[0]), int(rows[0]), int(cols[-1] - cols[0]),
            int(rows[-1] - rows[0])]


def _decode(segmentation: Any) -> np.ndarray:
    if isinstance(segmentation, np.ndarray) and segmentation.ndim == 2:
        return segmentation.astype(bool)
    if isinstance(segmentation, dict) and {'size', 'counts'} <= set(
            segmentation):
        height, width = segmentation['size']
        return decode_segmentation(segmentation, int(height),
                                   int(width)).astype(bool)
    raise ValueError('its segmentation is neither an HxW array nor a COCO '
                     'RLE {size, counts}')


def sam_masks(records: Sequence[dict], where: str) -> np.ndarray:
    """The ``(N, H, W)`` bool masks of SAM records (``segmentation`` an
    array, a COCO RLE or an uncompressed one).

    Raises:
        ValueError: Naming ``where`` and the index of a bad record, or the
            sizes if the masks differ.
    """
    masks = []
    for i, record in enumerate(records):
        try:
            if not isinstance(record, dict) or 'segmentation' not in record:
                raise ValueError('not a dict with a segmentation')
            masks.append(_decode(record['segmentation']))
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f'{where}: mask {i}: {error}')
    shapes = sorted({mask.shape for mask in masks})
    if len(shapes) > 1:
        raise ValueError(f'{where}: masks of several sizes {shapes}')
    return np.stack(masks) if masks else np.zeros((0, 0, 0), bool)


def _encode_like(mask: np.ndarray, segmentation: Any) -> Any:
    """``mask`` as ``segmentation`` was stored (array, RLE str/bytes/list)."""
    if isinstance(segmentation, np.ndarray):
        return mask.astype(segmentation.dtype)
    if isinstance(segmentation['counts'], list):
        return encode_uncompressed_rle(mask)
    return encode_rle(mask, isinstance(segmentation['counts'], str))


def updated_records(records: Sequence[dict], refined: np.ndarray,
                    changed: Sequence[bool]) -> List[dict]:
    """New records: the changed masks with ``segmentation`` (stored as
    before), ``area`` and ``bbox`` of ``refined``, the others copies."""
    return [
        dict(record, segmentation=_encode_like(mask, record['segmentation']),
             area=int(mask.sum()), bbox=sam_bbox(mask)) if change else
        dict(record) for record, mask, change in zip(records, refined,
                                                     changed)
    ]


class _Folder(NamedTuple):
    """A PNG layout as read: ``metadata.csv``'s lines, and per mask its
    row's line index, its PNG and the PNG's foreground value."""
    lines: List[str]
    rows: List[int]
    files: List[Path]
    values: List[int]
    resized: bool


class _Json(NamedTuple):
    """An RLE layout as read: its records."""
    records: list
    resized: bool


def _read_folder(folder: Path, shape: Tuple[int, int],
                 resize: bool) -> Prediction:
    csv = folder / METADATA
    try:
        lines = csv.read_bytes().decode('utf-8').split('\n')
    except UnicodeDecodeError as error:
        raise ValueError(f'{csv}: not a text file ({error})')
    if lines[0].rstrip('\r') != HEADER:
        raise ValueError(f"{csv}: line 1: not the header of segment-"
                         f"anything's {METADATA} ({HEADER})")
    rows, files, values, masks = [], [], [], []
    for index, line in enumerate(lines[1:], 1):
        fields = line.rstrip('\r').split(',')
        where = f'{csv}: line {index + 1}'
        if not line.strip():
            continue
        if len(fields) != len(COLUMNS):
            raise ValueError(f'{where}: {len(fields)} fields, expected '
                             f'{len(COLUMNS)} ({HEADER})')
        for column, field in zip(COLUMNS, fields):
            try:
                float(field)
            except ValueError:
                raise ValueError(f'{where}: {column} {field!r} is not a '
                                 'number')
        png = folder / f'{fields[0]}.png'
        if not fields[0].isdigit() or png in files:
            raise ValueError(f'{where}: id {fields[0]!r} is not a new mask '
                             'number')
        if not png.is_file():
            raise ValueError(f'{where}: no mask file {png.name} in {folder}')
        mask, value = read_mask_file(png, binary_only=True)
        rows.append(index)
        files.append(png)
        values.append(value)
        masks.append(fit_to(mask, shape, resize, str(png)))
    unlisted = sorted(set(folder.glob('*.png')) - set(files))
    if unlisted:
        raise ValueError(f'{unlisted[0]}: a mask that {METADATA} does not '
                         'list')
    resized = any(read.shape != tuple(shape) for read in masks)
    data = np.stack(masks) if masks else np.zeros((0, ) + tuple(shape), bool)
    return Prediction(data, _Folder(lines, rows, files, values, resized))


def _read_json(path: Path, shape: Tuple[int, int],
               resize: bool) -> Prediction:
    records = read_result_file(path)
    if not isinstance(records, list):
        raise ValueError(f'{path}: expected a list of masks (amg.py '
                         '--convert-to-rle)')
    masks = sam_masks(records, str(path))
    if not len(masks):
        masks = np.zeros((0, ) + tuple(shape), bool)
    resized = masks.shape[1:] != tuple(shape)
    return Prediction(fit_to(masks, shape, resize, f'{path}: masks'),
                      _Json(records, resized))


class SamMasks(FolderFormat):
    """segment-anything's ``amg.py`` output, both layouts (detected by a
    ``<stem>/metadata.csv`` folder or a ``<stem>.json``)."""
    name = 'sam'
    protocol = 'instances'
    reads = ("segment-anything's amg.py output: <stem>/<i>.png + "
             'metadata.csv, or <stem>.json (--convert-to-rle)')
    flags = frozenset({'batch_images'})

    @staticmethod
    def _key(path: Path) -> Optional[str]:
        """The image stem of a SAM output, ``None`` for other paths."""
        if path.name.startswith('.'):
            return None
        if path.is_dir() and (path / METADATA).is_file():
            return path.name
        if path.is_file() and path.suffix.lower() == '.json':
            return path.stem
        return None

    def detect(self, images: Path, predictions: Path) -> bool:
        return predictions.is_dir() and any(
            self._key(path) for path in predictions.iterdir())

    def pairs(self, image_dir: Path, pred_dir: Path) -> List[Pair]:
        outputs = {}
        for path in sorted(pred_dir.iterdir()):
            key = self._key(path)
            if key is not None:
                outputs.setdefault(key, []).append(path)
        return match_pairs(
            index_by_key(image_dir), outputs,
            lambda key: (f'no SAM masks for this image (looked for '
                         f'{key}/{METADATA} or {key}.json in {pred_dir})'),
            lambda key: (f'no image for these SAM masks (looked for {key}.* '
                         f'in {image_dir})'))

    def read(self, pair: Pair, shape: Tuple[int, int],
             resize: bool) -> Prediction:
        if pair.mask.is_dir():
            return _read_folder(pair.mask, shape, resize)
        return _read_json(pair.mask, shape, resize)

    def write(self, out: Path, prediction: Prediction,
              refined: np.ndarray) -> None:
        keep = prediction.keep
        changed = [
            keep.resized or not np.array_equal(new, old)
            for new, old in zip(refined, prediction.data)
        ]
        if isinstance(keep, _Json):
            atomic_write_bytes(out, json.dumps(
                updated_records(keep.records, refined, changed)).encode())
            return
        lines = list(keep.lines)
        with atomic_folder(out) as folder:
            for mask, change, row, png, value in zip(refined, changed,
                                                     keep.rows, keep.files,
                                                     keep.values):
                if not change:
                    shutil.copyfile(png, folder / png.name)
                    continue
                write_mask(folder / png.name, mask, value)
                fields = lines[row].split(',')
                fields[1:6] = map(str, [int(mask.sum())] + sam_bbox(mask))
                lines[row] = ','.join(fields)
            atomic_write_bytes(folder / METADATA, '\n'.join(lines).encode())
