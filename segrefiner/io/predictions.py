"""Saved predictions: binary masks and label maps as stored, read and written.

Why: a refined prediction goes back in its input's own scale (0/1 or 0/255),
mode and palette, so batch refinement round-trips any saved prediction.
"""
import io
import os
from pathlib import Path
from typing import Any, Tuple

import numpy as np

from .atomic import PathLike, atomic_write_bytes
from .images import load_mask, read_image_file, write_image

__all__ = [
    'check_size', 'fit_to', 'read_label_map', 'read_mask_file',
    'write_label_map', 'write_mask'
]


#: Lossy mask formats, whose edges hold more than two values.
LOSSY_SUFFIXES = ('.jpg', '.jpeg')


def read_mask_file(path: PathLike,
                   binary_only: bool = False) -> Tuple[np.ndarray, int]:
    """A mask file as an HxW bool array and its foreground value (1 or 255).

    Masks stored as 0/1 keep 1 as their foreground value, all others (0/255,
    16-bit, JPEG) get 255: :func:`write_mask` writes back in that scale.

    Args:
        path: The mask file.
        binary_only: Refuse a lossless file (not JPEG) with more than two
            values: a label map (e.g. ``{0, 1, 2, 255}``) read as a mask
            would silently lose its classes.

    Raises:
        ValueError: For a file that is not binary under ``binary_only``,
            naming it and ``--format labelmap``.
    """
    data = read_image_file(path)
    if binary_only and Path(path).suffix.lower() not in LOSSY_SUFFIXES:
        values = np.unique(data[:, :, 0] if data.ndim == 3 else data)
        if len(values) > 2:
            shown = ', '.join(str(v) for v in values[:6])
            more = ', ...' if len(values) > 6 else ''
            raise ValueError(
                f'{path}: holds {len(values)} values ({shown}{more}), not '
                'the two of a binary mask: a label map? use --format '
                'labelmap (or binarise the masks first)')
    return load_mask(data), 1 if data.max(initial=0) <= 1 else 255


def write_mask(path: PathLike, mask: np.ndarray, value: int = 255) -> None:
    """Write an HxW bool mask as 0/``value`` uint8 (JPEG: 0/255), atomically.
    """
    if Path(path).suffix.lower() in ('.jpg', '.jpeg'):
        value = 255  # 0/1 would not survive the compression
    write_image(path, mask.astype(np.uint8) * np.uint8(value))


def check_size(array: np.ndarray, shape: Tuple[int, int],
               what: str = 'mask', hint: str = '') -> None:
    """The one image-size check: ``array``'s last two axes are ``shape``.

    Raises:
        ValueError: ``"<what> size HxW differs from the image size HxW"``
            (then ``hint``) if they are not.
    """
    have = tuple(array.shape[-2:])
    if have != tuple(shape):
        raise ValueError(f'{what} size {have[0]}x{have[1]} differs from the '
                         f'image size {shape[0]}x{shape[1]}{hint}')


def fit_to(array: np.ndarray,
           shape: Tuple[int, int],
           resize: bool = False,
           what: str = 'mask') -> np.ndarray:
    """``array`` (..., H, W) with the image's ``(H, W)``: checked or resized.

    Args:
        array: A mask, a label map or a stack of masks.
        shape: The image's height and width.
        resize: Nearest-neighbour resize a different size instead of raising.
        what: The array's name in the error message.

    Raises:
        ValueError: If the sizes differ and ``resize`` is false.
    """
    have = tuple(array.shape[-2:])
    if have == tuple(shape):
        return array
    if not resize:
        check_size(array, shape, what, ' (--resize-mask resizes it)')
    rows = np.minimum((np.arange(shape[0]) + 0.5) * have[0] / shape[0],
                      have[0] - 1).astype(np.int64)
    cols = np.minimum((np.arange(shape[1]) + 0.5) * have[1] / shape[1],
                      have[1] - 1).astype(np.int64)
    return np.ascontiguousarray(array[..., rows[:, None], cols[None, :]])


def read_label_map(path: PathLike) -> Tuple[np.ndarray, Any]:
    """An integer label map file (mmseg's ``--out`` PNGs) and how to save it.

    Single-channel 8/16-bit files and palette PNGs (read as indices) are
    accepted; JPEGs are refused, their class values being lossy.

    Returns:
        The HxW integer array and the PIL image (mode and palette) to pass
        to :func:`write_label_map`.
    """
    from PIL import Image
    if Path(path).suffix.lower() in ('.jpg', '.jpeg'):
        raise ValueError('a JPEG label map has lossy class values; save '
                         'label maps as PNG')
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    try:
        with Image.open(path) as img:
            img.load()
    except (OSError, SyntaxError) as error:
        raise ValueError(f'unreadable or corrupt label map ({error})')
    labels = np.asarray(img)
    if labels.dtype == np.bool_:
        labels = labels.astype(np.uint8)
    if labels.ndim != 2 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f'expected a single-channel label map of class '
                         f'indices, got a {img.mode} image')
    return labels, img


def write_label_map(path: PathLike, labels: np.ndarray, like: Any) -> None:
    """Save ``labels`` like ``like`` (mode, palette), atomically.

    The format follows the suffix (PNG for one that PIL does not know).
    """
    from PIL import Image
    img = Image.fromarray(labels)
    if like.mode == 'P' and labels.dtype == np.uint8:
        img = Image.fromarray(labels, mode='P')
        img.putpalette(like.getpalette())
    buffer = io.BytesIO()
    suffix = Path(path).suffix.lower()
    img.save(buffer, format=Image.registered_extensions().get(suffix, 'PNG'))
    atomic_write_bytes(path, buffer.getvalue())


