"""Images and masks: the one image reader and the image writer.

Why one reader: the APIs, the datasets' loading transform, the adapters, the
offline generators and the tools all read through :func:`read_image_file`, so
every reader accepts the same variety (grayscale, RGBA, 16-bit, 0/1 or 0/255
masks) and fails with the same messages naming the file. In memory, images and
masks are numpy arrays or PIL images (the way most Python code holds them): a
PIL image means what its numpy array means.
"""
import os
import sys
from pathlib import Path
from typing import Optional, Union

import cv2
import numpy as np

from ..ops.binarize import binarize
from .atomic import PathLike, atomic_write_bytes

ImageLike = Union[str, os.PathLike, np.ndarray, 'PIL.Image.Image']
#: PIL modes whose numpy array is the image's pixels as :func:`load_image`
#: takes them; other modes (palette, CMYK, YCbCr, ...) are converted to RGB.
_PIL_ARRAY_MODES = ('RGB', 'RGBA', 'L', '1', 'I;16', 'I;16L', 'I;16B', 'I',
                    'F')


def _pil_array(data, image: bool) -> Optional[np.ndarray]:
    """The numpy array of a PIL image (``None``: ``data`` is none).

    A PIL image can only exist once ``PIL.Image`` is imported, so this never
    imports PIL itself. ``image``: convert modes whose array is not pixels
    (a palette's indices, CMYK) to RGB first; a mask keeps its array (a
    palette mask's indices are its values).
    """
    pil = sys.modules.get('PIL.Image')
    if pil is None or not isinstance(data, pil.Image):
        return None
    if image and data.mode not in _PIL_ARRAY_MODES:
        data = data.convert('RGB')
    return np.asarray(data)


def _name(data, what: str) -> str:
    """How messages name an input: its path, else ``'<what> array'``."""
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    return f'{what} array' if isinstance(data, np.ndarray) else f'{what} (PIL)'


def _array(data, what: str, image: bool) -> Optional[np.ndarray]:
    """``data`` as an array if it is one or a PIL image; ``None`` for a path.

    Raises:
        TypeError: For anything else, naming what is accepted.
    """
    if isinstance(data, np.ndarray):
        return data
    array = _pil_array(data, image)
    if array is not None:
        return array
    if isinstance(data, (str, os.PathLike)):
        return None
    raise TypeError(f'{what}: expected a file path, a numpy array or a PIL '
                    f'image, got {type(data).__name__}')


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
    """An ``H x W x 3`` uint8 RGB array from a path, an array or a PIL image.

    Files are read with OpenCV (BGR) and converted; arrays and PIL images
    are taken as RGB (a PIL image as its numpy array; palette, CMYK and the
    like converted to RGB first). Grayscale and RGBA inputs are converted,
    16-bit data is scaled. The result may be a read-only view of the input.

    Raises:
        FileNotFoundError: If a path is not a file.
        ValueError: If the file cannot be decoded or the data is not an
            image (naming the file).
        TypeError: For an input that is none of these.
    """
    name = _name(image, 'image')
    data = _array(image, 'image', image=True)
    if data is None:
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
    """An ``H x W`` bool mask from a path, an array or a PIL image.

    Accepts bool, 0/1 (or probabilities), 0/255 and 16-bit data, binarised
    by :func:`segrefiner.ops.binarize` with ``rule``, from a file, an array
    or a PIL image (as its numpy array: a palette mask by its indices). A
    multi-channel mask is read through its first channel.

    Raises:
        FileNotFoundError: If a path is not a file.
        ValueError: If the file cannot be decoded or the data is not H x W
            (naming the file).
        TypeError: For an input that is none of these.
    """
    name = _name(mask, 'mask')
    data = _array(mask, 'mask', image=False)
    if data is None:
        data = read_image_file(mask)
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
