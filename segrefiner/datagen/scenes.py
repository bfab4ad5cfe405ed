"""Scenes of several whole objects that touch and occlude one another.

Human-annotated photos (a table scene, a picking bin, a crowd) hold objects
that touch: a mask that is right on the background side may still bleed into
the neighbour, and the truth of a partly hidden object is its visible part,
whose outline there is the occluder's edge, not an image edge of its own.
:func:`make_scene` builds such a scene on a real photo: two to four objects,
each cut from another photo of the split with an exact outline (a grown
Felzenszwalb region of :func:`~.real_objects.region_object`, or a random shape
with thin strokes and holes, :func:`~.composites.random_shape`), pasted so
that each new object touches or overlaps the ones before it. The sample's
mask is the visible part of one of them, preferably a lower (occluded) one.

Like the other labellers, it is a function of an explicit
:class:`numpy.random.Generator` and returns ``None`` for a rejected draw.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .composites import random_shape
from .photos import Photo, load_photo_file
from .real_objects import blend_object, clean_object, region_object

__all__ = ['make_scene']

#: Fraction of the scene one object's box covers.
OBJECT_AREA = (0.04, 0.25)
#: Probability that an object is a random shape rather than a region.
SHAPE_PROB = 0.3
#: Accepted visible area of the chosen object (fraction of the scene).
VISIBLE_AREA = (0.02, 0.6)


def _cut_object(photo: np.ndarray, rng: np.random.Generator
                ) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """A crop of ``photo`` and its object mask, or ``None``."""
    if rng.random() < SHAPE_PROB:
        mask = random_shape(rng, photo.shape[:2])
    else:
        mask = region_object(photo, rng)
        if mask is None:
            return None
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return None
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return photo[y0:y1, x0:x1], mask[y0:y1, x0:x1]


def _place(rng: np.random.Generator, size: Tuple[int, int],
           box: Tuple[int, int], union: np.ndarray) -> Tuple[int, int]:
    """Top left corner for a ``box = (h, w)`` object: anywhere for the first
    object, else centred near a random edge pixel of the objects so far (so
    it touches or overlaps them)."""
    h, w = size
    bh, bw = box
    ys, xs = np.nonzero(union)
    if ys.size == 0:
        cy, cx = rng.uniform(0.25, 0.75) * h, rng.uniform(0.25, 0.75) * w
    else:
        pick = int(rng.integers(ys.size))
        direction = rng.normal(size=2)
        direction /= max(np.linalg.norm(direction), 1e-6)
        reach = rng.uniform(0.1, 0.5)
        cy = ys[pick] + direction[0] * reach * bh
        cx = xs[pick] + direction[1] * reach * bw
    return int(cx - bw / 2), int(cy - bh / 2)


def make_scene(photos: Sequence[Photo], rng: np.random.Generator,
               max_side: int = 512
               ) -> Optional[Tuple[np.ndarray, np.ndarray, Tuple[str, ...]]]:
    """A scene of touching and occluding objects on one of ``photos``.

    Args:
        photos: The split's photos (at least two).
        rng: Source of every random draw.
        max_side: Long side the photos are resized to.

    Returns:
        ``(image, mask, photo names)``: the HxWx3 uint8 scene, the visible
        part of one object as an HxW 0/1 ``uint8`` mask (its largest
        component, small holes filled), the background's name first; or
        ``None`` when no object's visible part is acceptable.
    """
    index = int(rng.integers(len(photos)))
    image = load_photo_file(photos[index], max_side)
    h, w = image.shape[:2]
    names: List[str] = [photos[index].name]
    ids = np.zeros((h, w), np.int32)
    count = int(rng.integers(2, 5))
    for _ in range(count):
        other = int(rng.choice([i for i in range(len(photos)) if i != index]))
        cut = _cut_object(load_photo_file(photos[other], max_side), rng)
        if cut is None:
            continue
        crop, crop_mask = cut
        frac = rng.uniform(*OBJECT_AREA)
        scale = min(np.sqrt(frac * h * w / crop_mask.size),
                    0.8 * h / crop.shape[0], 0.8 * w / crop.shape[1])
        box = (round(crop.shape[0] * scale), round(crop.shape[1] * scale))
        at = _place(rng, (h, w), box, ids > 0)
        image, placed = blend_object(image, crop, crop_mask, scale, at)
        if placed.any():
            names.append(photos[other].name)
            ids[placed > 0] = len(names) - 1
    layers = int(ids.max())
    if layers == 0:
        return None
    # Lower objects first: their truth is cut by the ones pasted above.
    weights = np.arange(layers, 0, -1, dtype=np.float64)
    for layer in rng.choice(np.arange(1, layers + 1), layers, replace=False,
                            p=weights / weights.sum()):
        mask = clean_object(ids == layer, VISIBLE_AREA)
        if mask is not None:
            return image, mask, tuple(names)
    return None
