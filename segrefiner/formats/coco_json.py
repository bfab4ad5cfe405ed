"""``coco-json``: a COCO ``*.segm.json`` result file and its annotations.

The results are a list of ``{image_id, category_id, segmentation, score,
...}``; the annotation file (``--ann``) maps ``image_id`` to
``file_name``. Written back with the same entries, only ``segmentation``
refined.
"""
import json
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

from ..io import PathLike, read_result_file
from .base import FileFormat, Group

__all__ = ['CocoJson']


class _Results(NamedTuple):
    """The result list and the entry indices of each group."""
    entries: list
    indices: List[List[int]]


class CocoJson(FileFormat):
    """A COCO result json (detected by ``.json``), with ``--ann``."""
    name = 'coco-json'
    reads = 'a COCO result json (*.segm.json) with its annotation file'
    flags = frozenset({'batch_images'})
    needs = frozenset({'ann'})

    def detect(self, images: Path, predictions: Path) -> bool:
        return predictions.suffix.lower() == '.json'

    def read(self, results: PathLike,
             ann_file: Optional[PathLike]) -> Tuple[Any, List[Group]]:
        entries = read_result_file(results)
        if not isinstance(entries, list):
            raise ValueError(f'{results}: expected a list of results')
        ann = read_result_file(ann_file)
        images: Dict[Any, dict] = {
            img['id']: img
            for img in (ann.get('images', []) if isinstance(ann, dict) else [])
        }
        by_image: Dict[Any, List[int]] = {}
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise ValueError(f'{results}: result {i} is not a dict')
            by_image.setdefault(entry.get('image_id'), []).append(i)
        groups = []
        for image_id, indices in by_image.items():
            info = images.get(image_id)
            segs = [entries[i].get('segmentation') for i in indices]
            problem = None
            if info is None:
                problem = f'not in {ann_file}'
            elif any(seg is None for seg in segs):
                problem = 'a result has no segmentation (a bbox json?)'
            name = info['file_name'] if info else f'image_id {image_id}'
            size = (info.get('height'), info.get('width')) if info else None
            groups.append(
                Group(str(image_id), name, [] if problem else segs,
                      None if size is None or None in size else size,
                      problem))
        return _Results(entries, list(by_image.values())), groups

    def write(self, content: Any, groups: Sequence[Group],
              refined: Sequence[Optional[list]]) -> bytes:
        new = list(content.entries)
        for indices, segs in zip(content.indices, refined):
            for i, seg in zip(indices, segs or []):
                new[i] = dict(content.entries[i], segmentation=seg)
        return json.dumps(new).encode()
