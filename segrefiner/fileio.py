"""Reading images and masks (paths or arrays) and writing them atomically.

The one place the package touches image files: the APIs, the datasets' loading
transform, the offline generators and the tools all read and write through
these functions, so every reader accepts the same variety (grayscale, RGBA,
16-bit, 0/1 or 0/255 masks) and every writer is atomic.
"""
import os
import tempfile
from pathlib import Path
from typing import Union

import cv2
import numpy as np

PathLike = Union[str, os.PathLike]
_UMASK = os.umask(0)
os.umask(_UMASK)
ImageLike = Union[str, os.PathLike, np.ndarray]


def _read(path: Union[str, os.PathLike]) -> np.ndarray:
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    data = cv2.imread(os.fspath(path), cv2.IMREAD_UNCHANGED)
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
        data = _read(image)
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


def load_mask(mask: ImageLike) -> np.ndarray:
    """An ``H x W`` bool mask from a path or an array.

    Accepts bool, 0/1, 0/255 and 0/65535 data; foreground is ``>= 0.5``
    for 0/1 data, ``>= 128`` for 8-bit ranges and ``>= 32768`` beyond.
    A multi-channel mask file is read through its first channel.
    """
    name = mask if not isinstance(mask, np.ndarray) else 'mask array'
    data = np.asarray(mask if isinstance(mask, np.ndarray) else _read(mask))
    if data.ndim == 3:
        data = data[:, :, 0]
    if data.ndim != 2:
        raise ValueError(f'{name}: expected an H x W mask, got shape '
                         f'{data.shape}')
    if data.dtype == np.bool_:
        return data.copy()
    top = data.max() if data.size else 0
    if top <= 1:
        return data >= 0.5
    return data >= (128 if top <= 255 else 32768)


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` under a temporary name, then rename it.

    The temporary file, ``.<name>.<random>.tmp``, is in the destination
    folder, so a reader (or a resumed run) never sees a partial file under
    the final name. Parent folders are created; the file gets the usual
    permissions (umask), not ``mkstemp``'s 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.',
                               suffix='.tmp',
                               dir=path.parent)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


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
