"""Truth masks drawn the way people annotate them: as polygons.

Human instance annotation (PASCAL VOC, COCO, LVIS, labelme) is drawn as
polygons: an annotator clicks vertices along the object's extent, and between
two vertices the outline is a straight line that cuts across the pixel-level
edge by a pixel or two. The generated training truths of this project
(grown regions, pasted cut-outs, shapes) are pixel-exact instead; a model
trained only on them learns that a straight outline is wrong and moves it
onto the nearest image edge, which on a human-annotated mask moves every good
outline (``docs/demo_model_stages.md``, stage 5).

:func:`polygon_annotation` redraws a mask as such a polygon: each outer and
hole contour (OpenCV's contour tree) simplified by Douglas-Peucker
(``cv2.approxPolyDP``, the outline's largest deviation is ``tolerance``
pixels) and filled. Thin parts stay (a one-pixel polygon is still drawn),
holes stay holes. Framework-free: NumPy and OpenCV only.
"""
import cv2
import numpy as np

__all__ = ['polygon_annotation']


def polygon_annotation(mask: np.ndarray, tolerance: float) -> np.ndarray:
    """The mask as an annotator's polygons of the given vertex tolerance.

    Args:
        mask: HxW 0/1 mask (any integer or bool dtype).
        tolerance: Largest distance, in pixels, of the polygon from the
            mask's own outline (``0``: the outline itself, the mask back).

    Returns:
        HxW ``uint8`` 0/1 mask: contours drawn outward in (OpenCV's
        contour tree), each after simplification: a component filled, a
        hole cleared inside the pixels that trace it.

    Examples:
        >>> disc = np.zeros((64, 64), np.uint8)
        >>> _ = cv2.circle(disc, (32, 32), 20, 1, -1)
        >>> bool((polygon_annotation(disc, 0) == disc).all())
        True
        >>> poly = polygon_annotation(disc, 2.0)
        >>> 0 < int((poly != disc).sum()) < 0.1 * int(disc.sum())
        True
    """
    binary = (np.asarray(mask) > 0).astype(np.uint8)
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_TREE,
                                           cv2.CHAIN_APPROX_NONE)
    out = np.zeros_like(binary)
    if not contours:
        return out
    parents = hierarchy[0][:, 3]
    depth = [0] * len(contours)
    for i in range(len(contours)):
        parent = parents[i]
        while parent >= 0:
            depth[i] += 1
            parent = parents[parent]
    # outward in: a component (even depth) is filled, a hole (odd depth) is
    # cleared inside the foreground pixels that trace it, which stay
    for i in sorted(range(len(contours)), key=depth.__getitem__):
        polygon = (cv2.approxPolyDP(contours[i], float(tolerance), True)
                   if tolerance > 0 else contours[i])
        if depth[i] % 2 == 0:
            cv2.drawContours(out, [polygon], 0, 1, -1)
        else:
            cv2.drawContours(out, [polygon], 0, 0, -1)
            cv2.drawContours(out, [polygon], 0, 1, 1)
    return out
