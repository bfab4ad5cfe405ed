"""Finding files: image suffixes, folder listings, image/prediction pairs.

Why here: the datasets, the offline generators and batch refinement all
find their inputs by the same suffixes and stems.
"""
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional

from .atomic import PathLike

__all__ = [
    'MASK_SUFFIXES', 'Pair', 'index_by_key', 'list_masks', 'match_pairs',
    'pair_files', 'resolve_image'
]

MASK_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')


def list_masks(mask_dir: PathLike) -> List[Path]:
    """The mask files directly in ``mask_dir`` (by suffix), sorted by name."""
    return sorted(p for p in Path(mask_dir).iterdir()
                  if p.is_file() and p.suffix.lower() in MASK_SUFFIXES)


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


def index_by_key(folder: PathLike, tag: str = '') -> Dict[str, List[Path]]:
    """Image-suffixed files of ``folder`` whose stem ends with ``tag``, by
    key (the stem without the tag; a stem that is only the tag has none),
    each key's files sorted by name: the one rule of file keys (also the
    datasets', :mod:`segrefiner.data.datasets.files`)."""
    index: Dict[str, List[Path]] = {}
    for path in list_masks(folder):
        key = path.stem[:len(path.stem) - len(tag)]
        if key and path.stem.endswith(tag):
            index.setdefault(key, []).append(path)
    return index


def match_pairs(images: Dict[str, List[Path]],
                predictions: Dict[str, List[Path]],
                no_prediction: Callable[[str], str],
                no_image: Callable[[str], str]) -> List[Pair]:
    """Every key of two indexes as a :class:`Pair`, sorted by key.

    Args:
        images: The image files by key.
        predictions: The prediction files (or folders) by key.
        no_prediction: The problem of a key without prediction.
        no_image: The problem of a key without image.
    """
    pairs = []
    for key in sorted(set(images) | set(predictions)):
        found_images, found_masks = images.get(key, []), predictions.get(
            key, [])
        image = found_images[0] if found_images else None
        mask = found_masks[0] if found_masks else None
        problem = None
        for found in (found_images, found_masks):
            if len(found) > 1:
                names = ', '.join(p.name for p in found)
                problem = f'several files share the name {key!r}: {names}'
        if problem is None and mask is None:
            problem = no_prediction(key)
        elif problem is None and image is None:
            problem = no_image(key)
        pairs.append(Pair(key, image, mask, problem))
    return pairs


def pair_files(image_dir: PathLike,
               mask_dir: PathLike,
               image_tag: str = '',
               mask_tag: str = '') -> List[Pair]:
    """Every image and every mask of two folders, paired by key, sorted.

    Files whose stem lacks the folder's tag are ignored (with the BIG tags
    ``'_im'`` and ``'_seg'``, ``a_gt.png`` is neither). Unmatched files and
    keys shared by several files come back with a :attr:`Pair.problem`.
    """
    return match_pairs(
        index_by_key(image_dir, image_tag), index_by_key(mask_dir, mask_tag),
        lambda key: (f'no mask for this image (looked for {key}{mask_tag}'
                     f'.* in {mask_dir})'),
        lambda key: (f'no image for this mask (looked for {key}{image_tag}'
                     f'.* in {image_dir})'))


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
