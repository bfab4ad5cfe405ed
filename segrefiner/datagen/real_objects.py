"""Object masks whose edges follow real image content, made offline.

Three labellers, each a function of an explicit
:class:`numpy.random.Generator`:

* :func:`grabcut_object`: GrabCut (Rother et al. 2004, OpenCV's
  ``cv2.grabCut``) from a random box. Masks whose outline runs along the box
  (over 15% of it) are rejected: there the edge is the box, not the object.
* :func:`region_object`: a connected group of Felzenszwalb-Huttenlocher
  regions (``skimage.segmentation.felzenszwalb``) grown from a seed region
  by colour similarity, so the object has inner edges that the mask crosses:
  the model must not cut objects apart at texture edges.
* :func:`paste_object`: one of those objects cut from its photo and pasted
  into another, keeping its real outline (lightly feathered, as real edges are
  anti-aliased), so the same outline is seen on many backgrounds.

Every labeller returns ``None`` when its draw gives no acceptable object
(too small, too large, fragmented); callers draw again.
"""
from typing import Optional, Tuple

import cv2
import numpy as np

__all__ = [
    'blend_object', 'clean_object', 'grabcut_object', 'paste_object',
    'region_object'
]

AREA_RANGE = (0.03, 0.6)


def clean_object(mask: np.ndarray,
                 area_range: Tuple[float, float] = AREA_RANGE
                 ) -> Optional[np.ndarray]:
    """The largest connected component with holes under 0.5% of its area
    filled, or ``None`` if it covers a fraction outside ``area_range`` or
    holds under 85% of the foreground.

    Args:
        mask: HxW bool or 0/1 mask.
        area_range: Accepted fraction of the image.

    Returns:
        HxW ``uint8`` 0/1 mask or ``None``.
    """
    binary = np.ascontiguousarray(mask, dtype=np.uint8)
    total = int(binary.sum())
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, 8)
    if count < 2 or total == 0:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if stats[best, cv2.CC_STAT_AREA] < 0.85 * total:
        return None
    obj = (labels == best).astype(np.uint8)
    holes = 1 - obj
    count, labels, stats, _ = cv2.connectedComponentsWithStats(holes, 4)
    small = stats[:, cv2.CC_STAT_AREA] < 0.005 * obj.sum()
    border = set(labels[0]) | set(labels[-1]) | set(labels[:, 0]) | set(
        labels[:, -1])
    fill = [i for i in range(1, count) if small[i] and i not in border]
    if fill:
        obj[np.isin(labels, fill)] = 1
    if not area_range[0] <= obj.mean() <= area_range[1]:
        return None
    return obj


def _random_box(rng: np.random.Generator, h: int,
                w: int) -> Tuple[int, int, int, int]:
    bw, bh = rng.uniform(0.3, 0.85) * w, rng.uniform(0.3, 0.85) * h
    x0 = rng.uniform(0.02 * w, 0.98 * w - bw)
    y0 = rng.uniform(0.02 * h, 0.98 * h - bh)
    return int(x0), int(y0), int(bw), int(bh)


def grabcut_object(image: np.ndarray, rng: np.random.Generator,
                   iterations: int = 4) -> Optional[np.ndarray]:
    """GrabCut foreground from a random box, or ``None``.

    Args:
        image: HxWx3 uint8 RGB photo.
        rng: Source of the box.
        iterations: GrabCut iterations.

    Returns:
        HxW ``uint8`` 0/1 mask or ``None`` (rejected draw).
    """
    h, w = image.shape[:2]
    x, y, bw, bh = _random_box(rng, h, w)
    gc = np.zeros((h, w), np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(int(rng.integers(2**31)))
    cv2.grabCut(np.ascontiguousarray(image[..., ::-1]), gc, (x, y, bw, bh),
                bgd, fgd, iterations, cv2.GC_INIT_WITH_RECT)
    obj = clean_object((gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD))
    if obj is None:
        return None
    ring = np.zeros((h, w), np.uint8)
    cv2.rectangle(ring, (x, y), (x + bw - 1, y + bh - 1), 1, 3)
    edge = obj - cv2.erode(obj, np.ones((3, 3), np.uint8))
    if (edge & ring).sum() > 0.15 * max(1, edge.sum()):
        return None  # cut by the box: that edge is not the object's
    return obj


def region_object(image: np.ndarray,
                  rng: np.random.Generator) -> Optional[np.ndarray]:
    """A colour-coherent group of Felzenszwalb regions, or ``None``.

    A seed region near the centre grows by the neighbour whose mean colour is
    closest, until a random target area (5-40% of the image) is reached.

    Args:
        image: HxWx3 uint8 RGB photo.
        rng: Source of the segmentation scale, the seed and the target.

    Returns:
        HxW ``uint8`` 0/1 mask or ``None``.
    """
    from skimage.segmentation import felzenszwalb
    h, w = image.shape[:2]
    labels = felzenszwalb(image, scale=float(rng.uniform(100, 500)),
                          sigma=0.8, min_size=int(h * w * 0.002))
    count = int(labels.max()) + 1
    flat = labels.ravel()
    area = np.bincount(flat, minlength=count).astype(np.float64)
    colour = np.stack([
        np.bincount(flat, image[..., c].ravel(), count) for c in range(3)
    ], 1) / np.maximum(area, 1)[:, None]
    pairs = np.concatenate([
        np.stack([labels[:, :-1].ravel(), labels[:, 1:].ravel()], 1),
        np.stack([labels[:-1].ravel(), labels[1:].ravel()], 1)
    ])
    pairs = np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0)
    neighbours = [set() for _ in range(count)]
    for a, b in pairs.tolist():
        neighbours[a].add(b)
        neighbours[b].add(a)
    cy, cx = (rng.uniform(0.3, 0.7, 2) * (h, w)).astype(int)
    seed = int(labels[cy, cx])
    chosen, frontier = {seed}, set(neighbours[seed])
    total, mean = area[seed], colour[seed].copy()
    target = rng.uniform(0.05, 0.4) * h * w
    while total < target and frontier:
        candidates = np.fromiter(frontier, int)
        dist = np.linalg.norm(colour[candidates] - mean, axis=1)
        best = int(candidates[np.argmin(dist)])
        mean = (mean * total + colour[best] * area[best]) / (total +
                                                              area[best])
        total += area[best]
        chosen.add(best)
        frontier |= neighbours[best]
        frontier -= chosen
    return clean_object(np.isin(labels, list(chosen)))


def paste_object(source: np.ndarray, mask: np.ndarray, target: np.ndarray,
                 rng: np.random.Generator
                 ) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Paste ``source``'s object into ``target`` at a random place and scale.

    Args:
        source: HxWx3 uint8 photo holding the object.
        mask: Its HxW 0/1 object mask.
        target: H'xW'x3 uint8 photo to paste into.
        rng: Source of the scale and position.

    Returns:
        ``(image, mask)`` on the target's grid, or ``None`` if the object
        does not fit.
    """
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return None
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    th, tw = target.shape[:2]
    frac = rng.uniform(0.05, 0.45)
    scale = np.sqrt(frac * th * tw / ys.size)
    scale = min(scale, 0.95 * th / (y1 - y0), 0.95 * tw / (x1 - x0))
    px = int(rng.integers(0, tw - round((x1 - x0) * scale) + 1))
    py = int(rng.integers(0, th - round((y1 - y0) * scale) + 1))
    image, alpha = blend_object(target, source[y0:y1, x0:x1],
                                mask[y0:y1, x0:x1], scale, (px, py))
    obj_mask = clean_object(alpha)
    if obj_mask is None:
        return None
    return image, obj_mask


def blend_object(target: np.ndarray, crop: np.ndarray, crop_mask: np.ndarray,
                 scale: float, at: Tuple[int, int]
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """Paste an object's crop, resized by ``scale``, with its top left
    corner at ``at = (x, y)`` of ``target``, its edge lightly feathered (real
    edges are anti-aliased); the part outside ``target`` is clipped.

    Args:
        target: HxWx3 uint8 photo (not modified).
        crop: hxwx3 uint8 crop holding the object.
        crop_mask: Its hxw 0/1 mask.
        scale: Resize factor of the crop.
        at: Top left corner ``(x, y)`` on the target (may be negative).

    Returns:
        ``(image, mask)``: the blended copy and the object's HxW 0/1
        ``uint8`` mask there (resized mask >= 0.5).
    """
    th, tw = target.shape[:2]
    ow = max(1, round(crop.shape[1] * scale))
    oh = max(1, round(crop.shape[0] * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    obj = cv2.resize(crop, (ow, oh), interpolation=interp).astype(np.float32)
    alpha = cv2.resize(crop_mask.astype(np.float32), (ow, oh),
                       interpolation=cv2.INTER_LINEAR)
    soft = cv2.GaussianBlur(alpha, (3, 3), 0.6)[..., None]
    px, py = at
    x0, y0 = max(px, 0), max(py, 0)
    x1, y1 = min(px + ow, tw), min(py + oh, th)
    image = target.copy()
    out_mask = np.zeros((th, tw), np.uint8)
    if x1 <= x0 or y1 <= y0:
        return image, out_mask
    sub = np.s_[y0 - py:y1 - py, x0 - px:x1 - px]
    window = image[y0:y1, x0:x1].astype(np.float32)
    image[y0:y1, x0:x1] = np.clip(
        soft[sub] * obj[sub] + (1 - soft[sub]) * window + 0.5, 0,
        255).astype(np.uint8)
    out_mask[y0:y1, x0:x1] = alpha[sub] >= 0.5
    return image, out_mask
