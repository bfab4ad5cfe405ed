"""Training and validation samples on real photos, written resumably.

A sample is one photo (:mod:`.photos`) and one object mask from one of the
labellers of :mod:`.real_objects`, that object pasted into another photo
of the same split, or one object of a scene of touching and occluding
objects (:mod:`.scenes`). Sample ``i`` is a pure function of ``(seed, i)`` and the
split's photo list, so a run can be interrupted and resumed, and a larger
``num`` extends the same set. Validation sets also get one coarse mask per
coarse-mask source (:mod:`.coarse_sources`) in ``coarse_<source>/``.
"""
import json
import os
from functools import partial
from pathlib import Path
from typing import Iterator, List, NamedTuple, Sequence, Tuple

import numpy as np

from ..io import atomic_write_bytes, write_image
from ..data.annotation_style import polygon_annotation
from ..data.coarse_sources import make_coarse
from .offline import name_seed, run_tasks
from .photos import Photo, load_photo_file
from .real_objects import grabcut_object, paste_object, region_object
from .scenes import make_scene

__all__ = ['KINDS', 'KIND_NAMES', 'RealSample', 'generate_real_samples', 'make_real_sample']

#: Sample kinds and their default probabilities (``'scene'``, the
#: fourth kind, is drawn only when asked for).
KINDS = (('regions', 0.5), ('paste', 0.4), ('grabcut', 0.1))
KIND_NAMES = ('regions', 'paste', 'grabcut', 'scene')
_MAX_DRAWS = 30
_GRABCUT_DRAWS = 3  # then the sample falls back to regions


class RealSample(NamedTuple):
    """One sample: ``image`` (HxWx3 uint8 RGB), ``mask`` (HxW 0/1 uint8),
    ``kind`` (a key of :data:`KINDS`) and the photo names it came from."""
    image: np.ndarray
    mask: np.ndarray
    kind: str
    photos: Tuple[str, ...]


def make_real_sample(photos: Sequence[Photo],
                     rng: np.random.Generator,
                     max_side: int = 512,
                     kinds: Sequence[Tuple[str, float]] = KINDS
                     ) -> RealSample:
    """Draw a sample from ``photos`` (at least two for pastes and scenes).

    Args:
        photos: The split's photos.
        rng: Source of every random draw.
        max_side: Long side photos are resized to.
        kinds: ``(kind, weight)`` pairs, kinds of :data:`KIND_NAMES`.

    Returns:
        The sample.

    Raises:
        RuntimeError: No acceptable object in ``_MAX_DRAWS`` draws.

    ``'grabcut'`` samples fall back to ``'regions'`` after three rejected
    draws; pasted objects are region objects.
    """
    names, weights = zip(*kinds)
    probs = np.asarray(weights, np.float64) / sum(weights)
    kind = names[int(rng.choice(len(names), p=probs))]
    if len(photos) < 2:
        kind = 'grabcut'
    for draw in range(_MAX_DRAWS):
        if kind == 'grabcut' and draw == _GRABCUT_DRAWS:
            kind = 'regions'  # GrabCut finds no object on many photos
        if kind == 'scene':
            scene = make_scene(photos, rng, max_side)
            if scene is not None:
                return RealSample(scene[0], scene[1], kind, scene[2])
            continue
        index = int(rng.integers(len(photos)))
        image = load_photo_file(photos[index], max_side)
        label = grabcut_object if kind == 'grabcut' else region_object
        mask = label(image, rng)
        if mask is None:
            continue
        if kind != 'paste':
            return RealSample(image, mask, kind, (photos[index].name, ))
        other = int(rng.choice([i for i in range(len(photos)) if i != index]))
        pasted = paste_object(image, mask,
                              load_photo_file(photos[other], max_side), rng)
        if pasted is not None:
            return RealSample(*pasted, kind,
                              (photos[index].name, photos[other].name))
    raise RuntimeError(f'no acceptable {kind} object in {_MAX_DRAWS} draws')


def _sample_task(index: int, photos: Sequence[Photo], out_dir: Path,
                 seed: int, max_side: int, coarse_sources: Sequence[str],
                 kinds: Sequence[Tuple[str, float]], polygon: float) -> str:
    stem = f'{index:06d}'
    meta_path = out_dir / 'meta' / f'{stem}.json'
    if meta_path.exists():
        return stem
    sample = make_real_sample(photos, np.random.default_rng([seed, index]),
                              max_side, kinds)
    write_image(out_dir / 'images' / f'{stem}.jpg', sample.image)
    mask = (polygon_annotation(sample.mask, polygon) if polygon > 0
            else sample.mask)
    write_image(out_dir / 'masks' / f'{stem}.png', mask * 255)
    for source in coarse_sources:
        rng = np.random.default_rng(name_seed(seed, f'{source}/{stem}'))
        coarse = make_coarse(mask, source, rng)
        write_image(out_dir / f'coarse_{source}' / f'{stem}.png', coarse * 255)
    meta = dict(kind=sample.kind, photos=list(sample.photos))
    atomic_write_bytes(meta_path, json.dumps(meta).encode())  # last: done
    return stem


def generate_real_samples(out_dir: os.PathLike,
                          photos: Sequence[Photo],
                          num: int,
                          seed: int = 0,
                          max_side: int = 512,
                          coarse_sources: Sequence[str] = (),
                          workers: int = 1,
                          kinds: Sequence[Tuple[str, float]] = KINDS,
                          polygon: float = 0.0) -> Iterator[str]:
    """Write ``num`` samples: ``images/``, ``masks/``, ``coarse_<source>/``
    and ``meta/<i>.json`` (kind and photo names; written last, so a sample
    with its meta file is complete and is skipped on resume).

    Args:
        out_dir: Output folder.
        photos: The split's photos (see :func:`~.photos.find_photos`).
        num: Number of samples, named ``000000`` to ``num - 1``.
        seed: Base seed; sample ``i`` is drawn from ``[seed, i]``.
        max_side: Long side of the photos.
        coarse_sources: Coarse masks to write per sample (validation).
        workers: Processes.
        kinds: ``(kind, weight)`` pairs (see :func:`make_real_sample`).
        polygon: If > 0, each truth is redrawn as an annotator's polygons of
            this tolerance in pixels (:func:`~segrefiner.data.
            annotation_style.polygon_annotation`) before its coarse masks
            are made.

    Yields:
        The stem of each sample, in completion order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    listing: List[str] = [f'{p.name}\t{p.path}' for p in photos]
    atomic_write_bytes(out / 'photos.tsv',
                       ('\n'.join(listing) + '\n').encode())
    task = partial(_sample_task, photos=list(photos), out_dir=out, seed=seed,
                   max_side=max_side, coarse_sources=tuple(coarse_sources),
                   kinds=tuple(kinds), polygon=float(polygon))
    return run_tasks(task, range(num), workers)
