"""Rasterise labelme's human-drawn example polygons into a validation set.

Usage::

    pip download --no-binary :all: --no-deps labelme -d /tmp/labelme
    python tools/gen_labelme_val.py /tmp/labelme/labelme-*.tar.gz \
        data/labelme_val [--coarse mask_head official low_res morph exact]
    python tools/test.py demo demo --dataset folder \
        --data-root data/labelme_val --coarse-root \
        data/labelme_val/coarse_mask_head --mode lr --seeds 0

labelme's source distribution ships real photos with polygon annotations
drawn by people under ``examples/``: three PASCAL VOC photos (people, a
bottle, a chair, a sofa, buses, a car), a shelf photo with products and five
video frames. Each annotated object becomes one sample of the layout that
``tools/test.py --dataset folder`` reads: ``images/<stem>.jpg`` (the photo),
``masks/<stem>.png`` (the object) and ``coarse_<source>/<stem>.png`` (one
coarse mask per source of :mod:`segrefiner.data.coarse_sources`, seeded by
the stem). ``instances.tsv`` lists stem, photo, label and area.

Objects follow labelme's own conversion (``labelme/utils/shape.py``,
``shapes_to_label``): polygons of one ``(label, group_id)`` form one object
(no group id: one object per polygon), drawn in file order, so a later
polygon covers an earlier one and an object's truth is its visible part;
``__ignore__`` regions are cut out of every object. Objects under
``--min-area`` pixels are skipped. The set is for validation only: never
train or tune on it. Polygons are coarser than pixel labels, so mask IoU is
its main figure.
"""
import argparse
import json
import sys
import tarfile
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import cv2
import numpy as np

from segrefiner.data.coarse_sources import SOURCES, make_coarse
from segrefiner.datagen.offline import name_seed
from segrefiner.io import atomic_write_bytes, write_image

#: Annotated photos under ``examples/``: (folder, prefix of the sample stem).
EXAMPLES = (('instance_segmentation/data_annotated', 'voc'),
            ('tutorial', 'apc'), ('video_annotation/data_annotated', 'video'))
IGNORE = '__ignore__'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('sdist', help="labelme's source .tar.gz")
    parser.add_argument('out_dir', help='output folder')
    parser.add_argument('--coarse', nargs='+', choices=sorted(SOURCES),
                        default=['mask_head', 'official', 'low_res', 'morph',
                                 'exact'], help='coarse-mask sources')
    parser.add_argument('--min-area', type=int, default=400,
                        help='skip objects under this many pixels')
    parser.add_argument('--seed', type=int, default=0, help='base seed')
    return parser.parse_args(argv)


def object_masks(shapes: List[dict], h: int,
                 w: int) -> Iterator[Tuple[str, np.ndarray]]:
    """``(label, visible 0/1 mask)`` per object, in labelme's paint order."""
    ids = np.zeros((h, w), np.int32)  # 0 background, -1 ignore
    keys: Dict[Tuple[str, object], int] = {}
    for index, shape in enumerate(shapes):
        if shape.get('shape_type', 'polygon') != 'polygon':
            continue
        label, group = shape['label'], shape.get('group_id')
        key = (label, index if group is None else group)
        value = -1 if label == IGNORE else keys.setdefault(key, len(keys) + 1)
        poly = np.round(np.asarray(shape['points'])).astype(np.int32)
        region = np.zeros((h, w), np.uint8)
        cv2.fillPoly(region, [poly], 1)
        ids[region > 0] = value
    for (label, _), value in keys.items():
        yield label, (ids == value).astype(np.uint8)


def read_examples(sdist: str
                  ) -> Iterator[Tuple[str, bytes, np.ndarray, dict]]:
    """``(photo stem, JPEG bytes, its RGB image, labelme JSON)`` per
    annotated photo."""
    with tarfile.open(sdist) as tar:
        members = {m.name.split('/', 1)[-1]: m for m in tar.getmembers()}
        for folder, prefix in EXAMPLES:
            for name in sorted(members):
                if not (name.startswith(f'examples/{folder}/')
                        and name.endswith('.json')
                        and name.count('/') == folder.count('/') + 2):
                    continue
                doc = json.load(tar.extractfile(members[name]))
                image_name = name.rsplit('/', 1)[0] + '/' + Path(
                    name).stem + '.jpg'
                data = tar.extractfile(members[image_name]).read()
                bgr = cv2.imdecode(np.frombuffer(data, np.uint8),
                                   cv2.IMREAD_COLOR)
                yield f'{prefix}_{Path(name).stem}', data, bgr[..., ::-1], doc


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    out = Path(args.out_dir)
    rows = ['stem\tphoto\tlabel\tarea']
    try:
        examples = list(read_examples(args.sdist))
    except (OSError, tarfile.TarError, KeyError, ValueError) as error:
        print(f'error: {args.sdist}: not a labelme source archive with '
              f'examples/ ({error})', file=sys.stderr)
        return 1
    for photo, data, image, doc in examples:
        h, w = image.shape[:2]
        if (doc['imageHeight'], doc['imageWidth']) != (h, w):
            print(f'error: {photo}: annotation is {doc["imageWidth"]}x'
                  f'{doc["imageHeight"]}, image {w}x{h}', file=sys.stderr)
            return 1
        objects = object_masks(doc['shapes'], h, w)
        for k, (label, mask) in enumerate(objects):
            if mask.sum() < args.min_area:
                continue
            stem = f'{photo}_{k:02d}_{label[:24]}'
            atomic_write_bytes(out / 'images' / f'{stem}.jpg', data)  # as is
            write_image(out / 'masks' / f'{stem}.png', mask * 255)
            for source in args.coarse:
                rng = np.random.default_rng(
                    name_seed(args.seed, f'{source}/{stem}'))
                write_image(out / f'coarse_{source}' / f'{stem}.png',
                            make_coarse(mask, source, rng) * 255)
            rows.append(f'{stem}\t{photo}\t{label}\t{int(mask.sum())}')
    atomic_write_bytes(out / 'instances.tsv', ('\n'.join(rows) + '\n').encode())
    print(f'{len(rows) - 1} objects from {len(examples)} photos in {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
