"""Reading images and binary masks, and writing them atomically."""
import os
import tempfile
from pathlib import Path
from typing import Union

import cv2
import numpy as np

__all__ = ['read_image', 'read_mask', 'write_image']

PathLike = Union[str, os.PathLike]


def read_image(path: PathLike) -> np.ndarray:
    """An image file as an HxWx3 ``uint8`` RGB array.

    Raises:
        FileNotFoundError: If the file is missing or not a readable image.
    """
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f'cannot read image {path}')
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def read_mask(path: PathLike) -> np.ndarray:
    """A mask file as an HxW ``uint8`` 0/1 array.

    A 0/255 (or grey) mask is foreground at ``>= 128`` as in the official
    loaders; a mask whose values are all 0 or 1 is taken as 0/1.

    Raises:
        FileNotFoundError: If the file is missing or not a readable image.
    """
    mask = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if mask is None:
        raise FileNotFoundError(f'cannot read mask {path}')
    return (mask >= 128 if mask.max() > 1 else mask > 0).astype(np.uint8)


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
        >>> int(read_mask(path).sum())
        4
    """
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f'expected an HxW or HxWx3 uint8 image, got '
                         f'{image.dtype} of shape {image.shape}')
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    jpeg = path.suffix.lower() in ('.jpg', '.jpeg')
    params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if jpeg else []
    ok, data = cv2.imencode(path.suffix, image, params)
    if not ok:
        raise ValueError(f'cannot encode an image as {path.suffix!r}')
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.',
                               suffix='.tmp',
                               dir=path.parent)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data.tobytes())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
