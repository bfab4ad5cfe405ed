"""Pairing image, GT and coarse-mask files by name, with errors that name them.

The refinement datasets store one sample as an image plus up to three masks
(GT, coarse, hole-filled coarse), each found in its own folder (or, as in the
BIG layout, in one folder with a name tag such as ``_gt``). Files are matched
by their *key*: the file stem without the tag. Any of the suffixes of
:data:`~segrefiner.io.MASK_SUFFIXES` counts, for images and masks.
"""
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence

from ...io import MASK_SUFFIXES, index_by_key

__all__ = ['MASK_FIELDS', 'Source', 'collect_samples', 'index_files']

#: The mask fields of a sample, in the order of :func:`collect_samples`.
MASK_FIELDS = ('gt_path', 'coarse_path', 'coarse_expand_path')

#: How many file names an error message lists before it counts the rest.
MAX_LISTED = 10


class Source(NamedTuple):
    """Where the files of one field live.

    Attributes:
        folder: The folder (``None``: the field is absent).
        tag: The end of every stem, removed to give the key (``'_gt'`` for
            ``x_gt.png``); files whose stem does not end with it are ignored.
        required: Whether a missing folder, or one without any matching file,
            is an error; otherwise the field is ``None`` for every sample.
    """
    folder: Optional[str]
    tag: str = ''
    required: bool = False


def _listing(names: Iterable[str]) -> str:
    """Sorted names, comma-separated, the tail counted past ``MAX_LISTED``."""
    names = sorted(names)
    more = len(names) - MAX_LISTED
    return ', '.join(
        names[:MAX_LISTED]) + (f' ... and {more} more' if more > 0 else '')


def index_files(source: Source) -> Optional[Dict[str, Path]]:
    """The files of ``source`` by key, or ``None`` when it is absent.

    Raises:
        FileNotFoundError: If a required folder is missing or holds no file
            with the tag and an image suffix.
        ValueError: If two files share a key (e.g. ``a.jpg`` and ``a.png``).
    """
    folder = None if source.folder is None else Path(source.folder)
    if folder is None or not folder.is_dir():
        if source.required:
            raise FileNotFoundError(f'{folder}: no such folder')
        return None
    index: Dict[str, Path] = {}
    clashes = []
    for key, paths in index_by_key(folder, source.tag).items():
        if len(paths) > 1:
            clashes.append(' ~ '.join(path.name for path in paths))
        index[key] = paths[0]
    if clashes:
        raise ValueError(f'{folder}: several files share a name: '
                         f'{_listing(clashes)}')
    if not index and source.required:
        raise FileNotFoundError(f'{folder}: no *{source.tag}'
                                f'{{{",".join(MASK_SUFFIXES)}}} files')
    return index or None


def _check_matched(keys: Sequence[str], names: Dict[str, str],
                   index: Dict[str, Path], folder: Optional[str],
                   strict: bool) -> None:
    """Raise ``ValueError`` listing samples without a file and stray files."""
    missing = [names[key] for key in keys if key not in index]
    if missing:
        raise ValueError(f'{len(missing)} of {len(keys)} samples have no '
                         f'file in {folder}: {_listing(missing)}')
    stray = set(index) - set(keys) if strict else set()
    if stray:
        raise ValueError(f'{len(stray)} files in {folder} match no image: '
                         f'{_listing(index[key].name for key in stray)}')


def collect_samples(images: Source,
                    masks: Sequence[Source],
                    keys: Optional[Sequence[str]] = None) -> List[dict]:
    """One data-list entry per sample, its files matched by key.

    Args:
        images: The images' source (always required).
        masks: The sources of :data:`MASK_FIELDS`, in that order (fewer
            are allowed; the rest are absent).
        keys: The samples to take. ``None``: every image is a sample, and a
            present mask folder must match the images one to one. Otherwise
            exactly these keys, each of which every present source must hold;
            other files are ignored.

    Returns:
        Dicts with ``img_path``, ``name`` (the key) and each of
        :data:`MASK_FIELDS` (``None`` where the source is absent), sorted by
        key when ``keys`` is ``None``.

    Raises:
        FileNotFoundError: See :func:`index_files`.
        ValueError: When a sample misses a file, or (with ``keys=None``) a
            mask matches no image; the message names the folder and files.
    """
    image_index = index_files(images._replace(required=True))
    strict = keys is None
    keys = sorted(image_index) if keys is None else list(keys)
    names = {
        key: image_index[key].name if key in image_index else key
        for key in keys
    }
    _check_matched(keys, names, image_index, images.folder, strict=False)
    samples = [dict(img_path=str(image_index[key]), name=key) for key in keys]
    padded = list(masks) + [Source(None)] * (len(MASK_FIELDS) - len(masks))
    for field, source in zip(MASK_FIELDS, padded):
        index = index_files(source)
        if index is not None:
            _check_matched(keys, names, index, source.folder, strict)
        for sample in samples:
            path = None if index is None else index[sample['name']]
            sample[field] = None if path is None else str(path)
    return samples
