"""Pictures of a refinement: overlays, what changed, the confidence with its
scale, a panel strip and a caption (``demo/demo.py``, ``demo/app.py``).
"""
from typing import Sequence, Tuple

import cv2
import numpy as np

GREEN = (40, 220, 90)
ORANGE = (255, 140, 0)
#: The truth's colour beside a coarse (orange) and a refined (green) mask.
BLUE = (60, 120, 255)
#: :func:`change_map`'s colours: green and magenta, told apart also with
#: red-green colour blindness.
ADDED = GREEN
REMOVED = (230, 40, 200)


def overlay(image: np.ndarray, mask: np.ndarray,
            color: Tuple[int, int, int], alpha: float = 0.45) -> np.ndarray:
    """``image`` (H x W x 3 RGB uint8) with ``mask`` tinted and outlined."""
    out = image.astype(np.float32)
    tint = np.array(color, np.float32)
    out[mask] = (1 - alpha) * out[mask] + alpha * tint
    out = out.round().astype(np.uint8)
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_LIST,
                                   cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(out, contours, -1, color, 1)
    return out


def change_map(image: np.ndarray, before: np.ndarray,
               after: np.ndarray) -> np.ndarray:
    """What a refinement changed: ``image`` (H x W x 3 RGB uint8) as dimmed
    gray, the foreground both masks keep lighter, and the pixels ``after``
    adds to ``before`` in :data:`ADDED`, those it removes in
    :data:`REMOVED`."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    out = np.repeat(gray[:, :, None] * 0.4, 3, axis=2)
    kept = before & after
    out[kept] = 0.5 * out[kept] + 0.5 * 255
    out[after & ~before] = ADDED
    out[before & ~after] = REMOVED
    return out.round().astype(np.uint8)


def confidence(probs: np.ndarray) -> np.ndarray:
    """The per-pixel confidence ``|2p - 1|`` of probabilities ``p`` as a
    :func:`heatmap` (0 where ``p`` is 0.5, 1 where it is 0 or 1)."""
    return heatmap(np.abs(2 * probs - 1))


def heatmap(values: np.ndarray) -> np.ndarray:
    """An H x W map in [0, 1] as an RGB colour image (dark = low)."""
    gray = (np.clip(values, 0, 1) * 255).round().astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(gray, cv2.COLORMAP_VIRIDIS),
                        cv2.COLOR_BGR2RGB)


def panel_strip(panels: Sequence[np.ndarray], titles: Sequence[str],
                height: int = 360) -> np.ndarray:
    """Panels resized to ``height``, titled, side by side (RGB uint8)."""
    tiles = []
    for panel, title in zip(panels, titles):
        scale = height / panel.shape[0]
        tile = cv2.resize(panel, (max(1, round(panel.shape[1] * scale)),
                                  height), interpolation=cv2.INTER_AREA)
        bar = np.full((28, tile.shape[1], 3), 255, np.uint8)
        cv2.putText(bar, title, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                    (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(np.vstack([bar, tile]))
    gap = np.full((height + 28, 6, 3), 255, np.uint8)
    strip = [tiles[0]]
    for tile in tiles[1:]:
        strip += [gap, tile]
    return np.hstack(strip)


def colour_bar(height: int, label: str = '', width: int = 64) -> np.ndarray:
    """A vertical :func:`heatmap` scale, 1 at the top, with ticks 0, 0.5, 1.

    ``height`` is the panels' height (plus their title bar): the bar fills
    it below a title bar holding ``label``.
    """
    body = height - 28
    ramp = np.linspace(1, 0, body)[:, None].repeat(16, axis=1)
    bar = np.full((height, width, 3), 255, np.uint8)
    bar[28:, 4:20] = heatmap(ramp)
    for value in (1.0, 0.5, 0.0):
        y = 28 + round((1 - value) * (body - 1))
        cv2.line(bar, (20, y), (24, y), (0, 0, 0), 1)
        cv2.putText(bar, f'{value:g}', (26, min(max(y + 5, 40), height - 4)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(bar, label, (2, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                (0, 0, 0), 1, cv2.LINE_AA)
    return bar


def with_colour_bar(strip: np.ndarray) -> np.ndarray:
    """A :func:`panel_strip` with the :func:`colour_bar` at its right."""
    return np.hstack([strip, colour_bar(strip.shape[0])])


def with_caption(picture: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """``picture`` with ``lines`` of text below it, 22 px each."""
    text = np.full((22 * len(lines) + 6, picture.shape[1], 3), 255, np.uint8)
    for i, line in enumerate(lines):
        cv2.putText(text, line, (6, 18 + 22 * i), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([picture, text])
