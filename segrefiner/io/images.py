"""Images and masks: the one image reader and the image writer.

Why one reader: the APIs, the datasets' loading transform, the adapters, the
offline generators and the tools all read through :func:`read_image_file`, so
every reader accepts the same variety (grayscale, RGBA, 16-bit, 0/1 or 0/255
masks) and fails with the same messages naming the file.
"""
import os
from pathlib import Path
from typing import Union

import cv2
import numpy as np

from ..ops.binarize import binarize
from .atomic import PathLike, atomic_write_bytes

ImageLike = Union[str, os.PathLike, np.ndarray]


def read_image_file(path: PathLike,
                    flags: int = cv2.IMREAD_UNCHANGED) -> np.ndarray:
    """The decoded pixels of an image file, as OpenCV gives them (BGR).

    Args:
        path: The file.
        flags: OpenCV ``IMREAD_*`` flags; the default keeps the file's
            depth and channels, ``IMREAD_COLOR`` decodes like mmcv's
            ``LoadImageFromFile`` (8-bit BGR, EXIF orientation applied).

    Raises:
        FileNotFoundError: If ``path`` is not a file.
        ValueError: If it cannot be decoded.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    data = cv2.imread(os.fspath(path), flags)
    if data is None:
        raise ValueError(f'{path}: unreadable or corrupt image file')
    return data


def to_uint8(array: np.ndarray) -> np.ndarray:
    """Scale 16-bit or float data to ``uint8`` (floats in [0, 1] or 0-255)."""
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.uint16:
        return (array.astype(np.float32) / 257.0).round().astype(np.uint8)
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    data = array.astype(np.float32)
    if data.size and data.max() <= 1.0:
        data = data * 255.0
    return np.clip(data.round(), 0, 255).astype(np.uint8)


def load_image(image: ImageLike) -> np.ndarray:
    """An ``H x W x 3`` uint8 RGB array from a path or an array.

    Files are read with OpenCV (BGR) and converted; arrays are taken as RGB.
    Grayscale and RGBA inputs are converted, 16-bit data is scaled.
    """
    name = image if not isinstance(image, np.ndarray) else 'image array'
    if isinstance(image, np.ndarray):
        data = image
    else:
        data = read_image_file(image)
        if data.ndim == 3 and data.shape[2] == 4:
            data = cv2.cvtColor(data, cv2.COLOR_BGRA2RGBA)
        elif data.ndim == 3:
            data = cv2.cvtColor(data, cv2.COLOR_BGR2RGB)
    data = to_uint8(np.asarray(data))
    if data.ndim == 2:
        data = np.repeat(data[:, :, None], 3, axis=2)
    if data.ndim != 3 or data.shape[2] not in (1, 3, 4):
        raise ValueError(f'{name}: expected an H x W x 3 image, got shape '
                         f'{data.shape}')
    if data.shape[2] == 1:
        data = np.repeat(data, 3, axis=2)
    return np.ascontiguousarray(data[:, :, :3])


def load_mask(mask: ImageLike, rule: str = '>=128') -> np.ndarray:
    """An ``H x W`` bool mask from a path or an array.

    Accepts bool, 0/1 (or probabilities), 0/255 and 16-bit data, binarised
    by :func:`segrefiner.ops.binarize` with ``rule``. A multi-channel mask
    file is read through its first channel.

    Raises:
        FileNotFoundError: If a path is not a file.
        ValueError: If the file cannot be decoded or the data is not H x W
            (naming the file).
    """
    name = mask if not isinstance(mask, np.ndarray) else 'mask array'
    data = np.asarray(mask if isinstance(mask, np.ndarray) else
                      read_image_file(mask))
    if data.ndim == 3:
        data = data[:, :, 0]
    if data.ndim != 2:
        raise ValueError(f'{name}: expected an H x W mask, got shape '
                         f'{data.shape}')
    try:
        return binarize(data, rule)
    except ValueError as error:
        raise ValueError(f'{name}: {error}') from None


def write_image(path: PathLike,
                image: np.ndarray,
                jpeg_quality: int = 95) -> None:
    """Write an RGB or single-channel ``uint8`` image atomically.

    The file is encoded by its extension, written under a temporary name in the
    same folder and renamed into place, so a reader (or a resumed run) never
    sees a partial file. Parent folders are created.

    Args:
        path: Destination; ``.png``, ``.jpg`` and the other OpenCV extensions.
        image: HxWx3 RGB or HxW array.
        jpeg_quality: JPEG quality (ignored by other formats).

    Examples:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), 'm.png')
        >>> write_image(path, np.full((2, 2), 255, np.uint8))
        >>> int(load_mask(path).sum())
        4
    """
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f'expected an HxW or HxWx3 uint8 image, got '
                         f'{image.dtype} of shape {image.shape}')
    path = Path(path)
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    jpeg = path.suffix.lower() in ('.jpg', '.jpeg')
    params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if jpeg else []
    ok, data = cv2.imencode(path.suffix, image, params)
    if not ok:
        raise ValueError(f'cannot encode an image as {path.suffix!r}')
    atomic_write_bytes(path, data.tobytes())
