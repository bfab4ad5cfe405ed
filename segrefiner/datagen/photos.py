"""Real photos that installed packages bundle: discovery and a fixed split.

The embedded model is trained and validated offline, so its photos come from
what a Python or Debian install already holds: scikit-image's bundled colour
photos, scikit-learn's and matplotlib's sample images, and the Debian
wallpaper packages (``mate-backgrounds``, ``plasma-workspace-wallpapers``).
Each photo is named by its source and file (``mate/nature/Garden``), and the
train/validation split is a pure function of that name, so a validation photo
can never leak into training whatever else is installed.
"""
import functools
import hashlib
import os
from typing import Dict, Iterator, List, NamedTuple, Optional, Sequence

import numpy as np

from ..io import load_image
from .composites import load_photo

__all__ = [
    'Photo', 'SKIMAGE_PHOTOS', 'DEFAULT_PHOTO_DIRS', 'FLAT_PHOTO_DIRS',
    'find_photos',
    'load_photo_file', 'photo_split'
]

#: Colour ``skimage.data`` photos stored inside the scikit-image wheel.
SKIMAGE_PHOTOS = ('astronaut', 'chelsea', 'coffee', 'rocket', 'retina',
                  'immunohistochemistry', 'hubble_deep_field')

#: Debian folders of photographic wallpapers (absent ones are skipped);
#: ``/usr/share/backgrounds`` only for its own files (``ukui-wallpapers``,
#: ``lomiri-wallpapers``), not its sub-folders (abstract art; ``mate/nature``
#: is a folder of its own).
DEFAULT_PHOTO_DIRS = ('/usr/share/backgrounds/mate/nature',
                      '/usr/share/wallpapers')
FLAT_PHOTO_DIRS = ('/usr/share/backgrounds', )

_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.webp')
_MIN_SIDE = 256


class Photo(NamedTuple):
    """A photo found on this machine.

    Attributes:
        name: Source-qualified stable name, e.g. ``'skimage/coffee'``.
        path: File path, or ``'skimage:<name>'`` for ``skimage.data``.
    """
    name: str
    path: str


def photo_split(name: str, val_fraction: float = 0.25) -> str:
    """``'val'`` or ``'train'`` for a photo name, by a hash of the name.

    scikit-image photos are always ``'train'``: the composites of
    :mod:`.composites` are cut from them.

    Examples:
        >>> photo_split('skimage/coffee')
        'train'
    """
    if name.startswith('skimage/'):
        return 'train'
    digest = hashlib.sha1(name.encode()).digest()
    return 'val' if digest[0] / 256 < val_fraction else 'train'


def _package_dir(module: str, *parts: str) -> Optional[str]:
    try:
        mod = __import__(module)
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(mod.__file__), *parts)
    return path if os.path.isdir(path) else None


def _largest_per_folder(paths: List[str]) -> Iterator[str]:
    """KDE wallpapers ship one photo in many sizes: keep the largest file."""
    by_dir: Dict[str, str] = {}
    for path in paths:
        key = path.split(f'{os.sep}contents{os.sep}')[0]
        if key not in by_dir or os.path.getsize(path) > os.path.getsize(
                by_dir[key]):
            by_dir[key] = path
    return iter(sorted(by_dir.values()))


def _files_under(root: str, recursive: bool = True) -> List[str]:
    found = []
    for dirpath, dirs, files in os.walk(root):
        if not recursive:
            dirs.clear()
        if 'screenshot' in dirpath:
            continue
        found += [
            os.path.join(dirpath, f) for f in files
            if f.lower().endswith(_EXTENSIONS) and 'screenshot' not in f
        ]
    return sorted(found)


def find_photos(photo_dirs: Sequence[str] = DEFAULT_PHOTO_DIRS,
                split: Optional[str] = None) -> List[Photo]:
    """Every bundled photo on this machine, sorted by name.

    Args:
        photo_dirs: Folders to search recursively (KDE-style
            ``*/contents/images/`` folders count as one photo each);
            the files directly in :data:`FLAT_PHOTO_DIRS` are added.
        split: ``'train'``, ``'val'`` or ``None`` for both.

    Returns:
        The photos; scikit-image's only if it is installed.
    """
    photos = []
    if _package_dir('skimage', 'data'):
        photos += [Photo(f'skimage/{n}', f'skimage:{n}')
                   for n in SKIMAGE_PHOTOS]
    for module, parts in (('sklearn', ('datasets', 'images')),
                          ('matplotlib', ('mpl-data', 'sample_data'))):
        folder = _package_dir(module, *parts)
        for path in _files_under(folder) if folder else []:
            if path.endswith(('.jpg', '.jpeg')):
                stem = os.path.splitext(os.path.basename(path))[0]
                photos.append(Photo(f'{module}/{stem}', path))
    roots = [(root, True) for root in photo_dirs]
    roots += [(root, False) for root in FLAT_PHOTO_DIRS]
    for root, recursive in roots:
        if not os.path.isdir(root):
            continue
        files = _files_under(root, recursive)
        kde = [p for p in files if f'{os.sep}contents{os.sep}' in p]
        plain = [p for p in files if p not in set(kde)]
        for path in plain + list(_largest_per_folder(kde)):
            rel = os.path.relpath(path, os.path.dirname(root))
            rel = rel.split(f'{os.sep}contents{os.sep}')[0]
            photos.append(Photo(os.path.splitext(rel)[0], path))
    photos = sorted(set(photos))
    if split is not None:
        photos = [p for p in photos if photo_split(p.name) == split]
    return photos


@functools.lru_cache(maxsize=128)
def load_photo_file(photo: Photo, max_side: int = 640) -> np.ndarray:
    """A photo as a read-only HxWx3 uint8 RGB array, its long side at most
    ``max_side`` (area interpolation); cached per process.

    Raises:
        ValueError: A photo smaller than 256 px on a side.
    """
    import cv2
    if photo.path.startswith('skimage:'):
        image = load_photo(photo.path[len('skimage:'):])
    else:
        image = load_image(photo.path)
    h, w = image.shape[:2]
    if min(h, w) < _MIN_SIDE:
        raise ValueError(f'{photo.path}: {w}x{h} is too small for training')
    scale = max_side / max(h, w)
    if scale < 1:
        image = cv2.resize(image, (round(w * scale), round(h * scale)),
                           interpolation=cv2.INTER_AREA)
    image = np.ascontiguousarray(image)
    image.setflags(write=False)
    return image
