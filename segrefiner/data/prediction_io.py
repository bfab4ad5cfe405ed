"""Saved predictions on disk: finding, reading and atomically writing them.

The file side of batch refinement (:mod:`segrefiner.apis.batch`,
``tools/refine.py``): pairing images with binary masks or label maps by file
stem (``a.jpg`` ~ ``a.png``; BIG's ``a_im.jpg`` ~ ``a_seg.png``), reading masks
and label maps as stored (0/1 or 0/255, 8 or 16 bit, palette PNGs), the RLE of
mmdet and COCO results, and writers that put a file under a temporary name in
the destination folder and rename it, so that an interrupted run never leaves
a partial file under a final name (:func:`segrefiner.fileio.
atomic_write_bytes`, temporary names ``.<name>.<random>.tmp``).
"""
import io
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Tuple

import numpy as np

from ..fileio import (PathLike, _read, atomic_write_bytes, load_mask,
                      write_image)
from .offline import list_masks

__all__ = [
    'FORMATS', 'Pair', 'clean_stale_temps',
    'detect_format', 'encode_rle', 'fit_to', 'pair_files', 'read_label_map',
    'read_mask_file', 'resolve_image', 'temp_owner', 'write_label_map',
    'write_mask'
]

#: The layouts ``tools/refine.py --format`` accepts (``auto`` detects).
FORMATS = ('masks', 'big', 'labelmap', 'mmdet-pkl', 'coco-json')


def temp_owner(name: str) -> Optional[str]:
    """The final file name a temporary file name of the writers stands for.

    Examples:
        >>> temp_owner('.a.png.k2j_x9q1.tmp')
        'a.png'
        >>> temp_owner('a.png') is None
        True
    """
    if not (name.startswith('.') and name.endswith('.tmp')):
        return None
    owner, dot, rand = name[1:-len('.tmp')].rpartition('.')
    return owner if dot and owner and rand else None


def clean_stale_temps(folder: PathLike,
                      names: Optional[Iterable[str]] = None) -> int:
    """Delete temporary files left in ``folder`` by an interrupted writer.

    Args:
        folder: The output folder (a missing one is fine).
        names: Only the temporary files of these final names (``None``: all).

    Returns:
        How many files were removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    wanted = None if names is None else set(names)
    removed = 0
    for path in folder.iterdir():
        owner = temp_owner(path.name)
        if owner and path.is_file() and (wanted is None or owner in wanted):
            path.unlink()
            removed += 1
    return removed


class Pair(NamedTuple):
    """An image and its prediction file, matched by key.

    Attributes:
        key: The file stem without its tag.
        image: The image file (``None``: no image has the key).
        mask: The mask or label-map file (``None``: none has the key).
        problem: Why the pair cannot be refined (``None``: it can); the file
            to name is :attr:`file`.
    """
    key: str
    image: Optional[Path]
    mask: Optional[Path]
    problem: Optional[str] = None

    @property
    def file(self) -> Path:
        """The file that messages name: the mask, else the image."""
        return self.mask if self.mask is not None else self.image


def _index(folder: Path, tag: str) -> Dict[str, List[Path]]:
    """Image-suffixed files of ``folder`` whose stem ends with ``tag``."""
    index: Dict[str, List[Path]] = {}
    for path in list_masks(folder):
        key = path.stem[:len(path.stem) - len(tag)]
        if key and path.stem.endswith(tag):
            index.setdefault(key, []).append(path)
    return index


def pair_files(image_dir: PathLike,
               mask_dir: PathLike,
               image_tag: str = '',
               mask_tag: str = '') -> List[Pair]:
    """Every image and every mask of two folders, paired by key, sorted.

    Files whose stem lacks the folder's tag are ignored (with the BIG tags
    ``'_im'`` and ``'_seg'``, ``a_gt.png`` is neither). Unmatched files and
    keys shared by several files come back with a :attr:`Pair.problem`.
    """
    images, masks = _index(Path(image_dir), image_tag), _index(
        Path(mask_dir), mask_tag)
    pairs = []
    for key in sorted(set(images) | set(masks)):
        found_images, found_masks = images.get(key, []), masks.get(key, [])
        image = found_images[0] if found_images else None
        mask = found_masks[0] if found_masks else None
        problem = None
        for found in (found_images, found_masks):
            if len(found) > 1:
                names = ', '.join(p.name for p in found)
                problem = f'several files share the name {key!r}: {names}'
        if problem is None and mask is None:
            problem = (f'no mask for this image (looked for {key}{mask_tag}'
                       f'.* in {mask_dir})')
        elif problem is None and image is None:
            problem = (f'no image for this mask (looked for {key}{image_tag}'
                       f'.* in {image_dir})')
        pairs.append(Pair(key, image, mask, problem))
    return pairs


def _has_tag(folder: Path, tag: str) -> bool:
    return any(p.stem.endswith(tag) and len(p.stem) > len(tag)
               for p in list_masks(folder))


def detect_format(images: PathLike, predictions: PathLike) -> str:
    """The ``auto`` format: ``mmdet-pkl`` for a ``.pkl`` file, ``coco-json``
    for a ``.json`` file, ``big`` for folders of ``*_im``/``*_seg`` files,
    else ``masks`` (label-map folders look like masks: name them).
    """
    predictions = Path(predictions)
    suffix = predictions.suffix.lower()
    if suffix in ('.pkl', '.pickle'):
        return 'mmdet-pkl'
    if suffix == '.json':
        return 'coco-json'
    if predictions.is_dir() and Path(images).is_dir() and _has_tag(
            Path(images), '_im') and _has_tag(predictions, '_seg'):
        return 'big'
    return 'masks'


def read_mask_file(path: PathLike) -> Tuple[np.ndarray, int]:
    """A mask file as an HxW bool array and its foreground value (1 or 255).

    Masks stored as 0/1 keep 1 as their foreground value, all others (0/255,
    16-bit, JPEG) get 255: :func:`write_mask` writes back in that scale.
    """
    data = _read(path)
    return load_mask(data), 1 if data.max(initial=0) <= 1 else 255


def write_mask(path: PathLike, mask: np.ndarray, value: int = 255) -> None:
    """Write an HxW bool mask as 0/``value`` uint8 (JPEG: 0/255), atomically.
    """
    if Path(path).suffix.lower() in ('.jpg', '.jpeg'):
        value = 255  # 0/1 would not survive the compression
    write_image(path, mask.astype(np.uint8) * np.uint8(value))


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
        raise ValueError(f'{what} size {have[0]}x{have[1]} differs from the '
                         f'image size {shape[0]}x{shape[1]} (--resize-mask '
                         'resizes it)')
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


def encode_rle(mask: np.ndarray, as_str: bool) -> dict:
    """The compressed COCO RLE ``{'size', 'counts'}`` of an HxW mask.

    Args:
        mask: The mask.
        as_str: ``counts`` as ``str`` (json) instead of ``bytes`` (mmdet).
    """
    from pycocotools import mask as mask_utils
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    counts = rle['counts']
    return dict(size=[int(s) for s in rle['size']],
                counts=counts.decode('ascii') if as_str else counts)


def resolve_image(image_dir: PathLike, name: str) -> Path:
    """The image file of a result under ``image_dir``.

    ``name`` (mmdet's ``img_path`` or COCO's ``file_name``) is tried under
    ``image_dir`` from its file name up to its whole relative path, then as
    it is.

    Raises:
        FileNotFoundError: If no candidate exists.
    """
    parts = Path(name).parts
    tails = [Path(*parts[-k:]) for k in range(1, len(parts) + 1)]
    candidates = [Path(image_dir) / tail for tail in tails
                  if not tail.is_absolute()] + [Path(name)]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f'no image {Path(name).name} in {image_dir}')
