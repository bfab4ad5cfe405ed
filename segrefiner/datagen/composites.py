"""Composite training images with exact masks, from scikit-image's photos.

A random object shape (smooth blobs and ellipses, thin strokes, holes) is
filled with a crop of one real photo and laid over a crop of another, so the
mask is exact to the pixel. This gives a small, licence-clean, offline training
and smoke-test set (the real SegRefiner data are LVIS, DIS5K and
ThinObject-5K). Only photos that ship inside the scikit-image wheel are used
(:data:`PHOTOS`); nothing is downloaded.

Everything is a function of an explicit :class:`numpy.random.Generator`, so a
seed gives the same composite every time.
"""
import functools
from typing import NamedTuple, Sequence, Tuple

import cv2
import numpy as np

__all__ = [
    'PHOTOS', 'Composite', 'load_photo', 'make_composite', 'random_shape'
]

#: ``skimage.data`` photos stored in the scikit-image package itself.
PHOTOS = ('astronaut', 'brick', 'camera', 'chelsea', 'coffee', 'coins',
          'grass', 'gravel', 'hubble_deep_field', 'immunohistochemistry',
          'moon', 'retina', 'rocket')

Size = Tuple[int, int]


class Composite(NamedTuple):
    """A composite and its layers.

    ``image == where(mask, foreground, background)`` exactly.

    Attributes:
        image: HxWx3 ``uint8`` RGB composite.
        mask: HxW ``uint8`` 0/1 object mask.
        foreground: HxWx3 ``uint8`` RGB crop the object is cut from.
        background: HxWx3 ``uint8`` RGB crop of another photo.
    """
    image: np.ndarray
    mask: np.ndarray
    foreground: np.ndarray
    background: np.ndarray


@functools.lru_cache(maxsize=None)
def load_photo(name: str) -> np.ndarray:
    """A bundled ``skimage.data`` photo as a read-only HxWx3 uint8 RGB array
    (gray photos repeated to three channels, an alpha channel dropped); the
    one loader of scikit-image's photos (also :mod:`.photos`).

    Raises:
        ValueError: For a name outside :data:`PHOTOS`.
    """
    if name not in PHOTOS:
        raise ValueError(f'{name!r} is not one of the bundled photos {PHOTOS}')
    from skimage import data  # optional dependency, only for composites
    photo = np.asarray(getattr(data, name)(), dtype=np.uint8)
    if photo.ndim == 2:
        photo = np.repeat(photo[..., None], 3, axis=2)
    photo = np.ascontiguousarray(photo[..., :3])
    photo.setflags(write=False)
    return photo


def _photo_crop(photo: np.ndarray, rng: np.random.Generator,
                size: Size) -> np.ndarray:
    """A random window of ``photo`` with the aspect of ``size``, resized."""
    h, w = size
    ph, pw = photo.shape[:2]
    crop_w = min(rng.uniform(0.35, 1.0) * ph * w / h, pw)
    ch, cw = max(1, int(crop_w * h / w)), max(1, int(crop_w))
    y, x = int(rng.integers(ph - ch + 1)), int(rng.integers(pw - cw + 1))
    crop = photo[y:y + ch, x:x + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return cv2.resize(np.ascontiguousarray(crop), (w, h),
                      interpolation=cv2.INTER_AREA)


def _blob(rng: np.random.Generator, centre: np.ndarray,
          radius: float) -> np.ndarray:
    """Vertices of a smooth blob: a circle with random low harmonics."""
    theta = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    orders = np.arange(2, 6)
    amplitude = rng.uniform(0, 0.35, len(orders)) / (orders - 1)
    phase = rng.uniform(0, 2 * np.pi, len(orders))
    scale = 1 + (amplitude[:, None] *
                 np.cos(orders[:, None] * theta + phase[:, None])).sum(0)
    r = radius * np.maximum(scale, 0.2)
    offsets = np.stack([np.cos(theta), np.sin(theta)], 1) * r[:, None]
    return (centre + offsets).astype(np.int32)


def _draw_part(mask: np.ndarray, rng: np.random.Generator, centre: np.ndarray,
               radius: float, value: int) -> None:
    """Fill a random blob or ellipse of about ``radius`` around ``centre``."""
    if rng.random() < 0.6:
        cv2.fillPoly(mask, [_blob(rng, centre, radius)], value)
    else:
        axes = (max(1, int(radius * rng.uniform(0.5, 1.2))),
                max(1, int(radius * rng.uniform(0.3, 1.0))))
        angle = float(rng.uniform(0, 180))
        cv2.ellipse(mask, tuple(int(c) for c in centre), axes, angle, 0, 360,
                    value, cv2.FILLED)


def _draw_stroke(mask: np.ndarray, rng: np.random.Generator, start: np.ndarray,
                 scale: int) -> None:
    """Draw a random polyline 1 to ``scale / 64`` px wide from ``start``."""
    angle = rng.uniform(0, 2 * np.pi)
    points = [start]
    for _ in range(int(rng.integers(1, 5))):
        angle += rng.normal(0, 0.6)
        step = rng.uniform(0.1, 0.3) * scale
        direction = np.array([np.cos(angle), np.sin(angle)])
        points.append(points[-1] + step * direction)
    thickness = int(rng.integers(1, max(2, scale // 64) + 1))
    cv2.polylines(mask, [np.array(points, np.int32)], False, 1, thickness)


def random_shape(rng: np.random.Generator,
                 size: Size,
                 max_tries: int = 20) -> np.ndarray:
    """A random object: a blob or ellipse, extra parts, thin strokes, holes.

    Shapes covering less than 3% or more than 70% of the image are redrawn, up
    to ``max_tries`` times (the last draw is returned).

    Args:
        rng: Source of every random draw.
        size: ``(height, width)``.
        max_tries: Draws before giving up on the coverage bounds.

    Returns:
        HxW ``uint8`` 0/1 mask.

    Examples:
        >>> shape = random_shape(np.random.default_rng(0), (64, 96))
        >>> shape.shape, shape.dtype, bool(0.03 <= shape.mean() <= 0.7)
        ((64, 96), dtype('uint8'), True)
    """
    h, w = size
    scale = min(h, w)
    for _ in range(max_tries):
        mask = np.zeros((h, w), np.uint8)
        centre = rng.uniform(0.3, 0.7, 2) * (w, h)
        radius = rng.uniform(0.15, 0.35) * scale
        _draw_part(mask, rng, centre, radius, 1)
        for _ in range(int(rng.integers(0, 3))):
            offset = rng.uniform(-1, 1, 2) * radius
            _draw_part(mask, rng, centre + offset,
                       radius * rng.uniform(0.3, 0.7), 1)
        for _ in range(int(rng.integers(0, 4))):
            _draw_stroke(mask, rng, centre + rng.normal(0, 0.5, 2) * radius,
                         scale)
        for _ in range(int(rng.integers(0, 3))):
            offset = rng.uniform(-0.4, 0.4, 2) * radius
            _draw_part(mask, rng, centre + offset,
                       radius * rng.uniform(0.1, 0.3), 0)
        if 0.03 <= mask.mean() <= 0.7:
            break
    return mask


def make_composite(rng: np.random.Generator,
                   size: Size = (512, 512),
                   photos: Sequence[str] = PHOTOS) -> Composite:
    """Cut a random shape out of one photo crop and paste it onto another.

    Args:
        rng: Source of every random draw: the same generator state gives the
            same composite.
        size: ``(height, width)`` of the composite.
        photos: Names of the bundled photos to draw from (at least two).

    Returns:
        The :class:`Composite`.

    Examples:
        >>> comp = make_composite(np.random.default_rng(0), (64, 64))
        >>> layers = np.where(comp.mask[..., None] == 1, comp.foreground,
        ...                   comp.background)
        >>> bool((comp.image == layers).all())
        True
    """
    fg, bg = rng.choice(len(photos), 2, replace=False)
    foreground = _photo_crop(load_photo(photos[fg]), rng, size)
    background = _photo_crop(load_photo(photos[bg]), rng, size)
    mask = random_shape(rng, size)
    image = np.where(mask[..., None] == 1, foreground, background)
    return Composite(image, mask, foreground, background)
