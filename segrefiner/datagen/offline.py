"""Offline data generation: coarse masks for GT mask folders, and composites.

Both writers are resumable (finished outputs are skipped), write every file
atomically (:func:`~segrefiner.io.write_image`) and seed every output from
the base seed and the output's own name, so the files are the same whatever the
number of workers, the scheduling or the number of interrupted runs.

The coarse-mask layout follows the official ``scripts/gen_coarse_masks_hr.py``
(github.com/MengyuWang826/SegRefiner): ``coarse/<stem>.png``
is ``modify_boundary(gt)`` and ``coarse_expand/<stem>.png`` the same on the
hole-filled GT, both 0/255.
"""
import hashlib
import multiprocessing
import os
from functools import partial
from pathlib import Path
from typing import (Callable, Iterable, Iterator, List, Optional, Sequence,
                    Tuple, TypeVar)

import numpy as np

from ..data.coarse import modify_boundary
from .composites import make_composite
from ..io import load_mask, write_image

__all__ = [
    'generate_coarse_masks', 'generate_composites', 'name_seed', 'run_tasks'
]

COARSE_VARIANTS = (('coarse', False), ('coarse_expand', True))

#: One finished GT mask: its file name and its error (None on success).
Outcome = Tuple[str, Optional[str]]
Item = TypeVar('Item')
Result = TypeVar('Result')


def name_seed(seed: int, name: str) -> List[int]:
    """Seed words for the output ``name``: the base seed and a name hash.

    Examples:
        >>> np.random.default_rng(name_seed(0, 'a.png')).random() == \\
        ...     np.random.default_rng(name_seed(0, 'a.png')).random()
        True
    """
    digest = hashlib.sha256(name.encode()).digest()
    return [seed, int.from_bytes(digest[:8], 'little')]


def run_tasks(task: Callable[[Item], Result], items: Sequence[Item],
              workers: int) -> Iterator[Result]:
    """``task`` over ``items`` here or in a pool; results as they finish."""
    if workers <= 1:
        yield from map(task, items)
        return
    with multiprocessing.Pool(workers) as pool:
        yield from pool.imap_unordered(task, items, chunksize=4)


def _coarse_task(mask_path: Path, out_dir: Path, seed: int,
                 coarse_cfg: dict) -> Outcome:
    """Write the missing coarse variants of one GT mask."""
    targets = [(out_dir / variant / f'{mask_path.stem}.png', expand)
               for variant, expand in COARSE_VARIANTS]
    targets = [(path, expand) for path, expand in targets if not path.exists()]
    try:
        gt = load_mask(mask_path).astype(np.uint8) if targets else None
        for path, expand in targets:
            rng = np.random.default_rng(
                name_seed(seed, f'{path.parent.name}/{path.name}'))
            coarse = modify_boundary(gt, rng, expand=expand, **coarse_cfg)
            write_image(path, coarse * 255)
    except Exception as error:  # reported by name; the other files go on
        return mask_path.name, f'{type(error).__name__}: {error}'
    return mask_path.name, None


def generate_coarse_masks(
        mask_paths: Iterable[os.PathLike],
        out_dir: os.PathLike,
        seed: int = 0,
        workers: int = 1,
        coarse_cfg: Optional[dict] = None) -> Iterator[Outcome]:
    """Write ``coarse/`` and ``coarse_expand/`` masks of GT masks, in parallel.

    Args:
        mask_paths: GT mask files (0/255 or 0/1, see
            :func:`~segrefiner.io.load_mask`); outputs are named by their
            stems.
        out_dir: Folder that receives ``coarse/`` and ``coarse_expand/``.
        seed: Base seed; each output is seeded with it and its own name.
        workers: Processes (1 runs in this process).
        coarse_cfg: Keyword arguments of :func:`~segrefiner.data.coarse.
            modify_boundary` (e.g. ``iou_target``).

    Yields:
        ``(file name, error or None)`` per GT mask, in completion order.

    Examples:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> square = np.pad(np.full((20, 20), 255, np.uint8), 10)
        >>> write_image(root / 'gt' / 'a.png', square)
        >>> list(generate_coarse_masks(list_masks(root / 'gt'), root))
        [('a.png', None)]
        >>> sorted(p.name for p in (root / 'coarse_expand').iterdir())
        ['a.png']
    """
    task = partial(_coarse_task,
                   out_dir=Path(out_dir),
                   seed=seed,
                   coarse_cfg=dict(coarse_cfg or {}))
    return run_tasks(task, [Path(p) for p in mask_paths], workers)


def _composite_task(index: int, out_dir: Path, seed: int,
                    size: Tuple[int, int]) -> str:
    """Write composite number ``index`` unless both of its files exist."""
    stem = f'{index:06d}'
    image_path = out_dir / 'images' / f'{stem}.jpg'
    mask_path = out_dir / 'masks' / f'{stem}.png'
    if not (image_path.exists() and mask_path.exists()):
        composite = make_composite(np.random.default_rng([seed, index]), size)
        write_image(mask_path, composite.mask * 255)
        write_image(image_path, composite.image)
    return stem


def generate_composites(out_dir: os.PathLike,
                        num: int,
                        seed: int = 0,
                        size: Tuple[int, int] = (512, 512),
                        workers: int = 1) -> Iterator[str]:
    """Write ``num`` composites, ``images/<i>.jpg`` and ``masks/<i>.png``.

    Composite ``i`` is :func:`~segrefiner.datagen.composites.make_composite`
    seeded with ``[seed, i]``, so a larger ``num`` later extends the same set.

    Args:
        out_dir: Output folder.
        num: Number of composites, named ``000000`` to ``num - 1``.
        seed: Base seed.
        size: ``(height, width)`` of every composite.
        workers: Processes (1 runs in this process).

    Yields:
        The stem of each composite, in completion order.
    """
    task = partial(_composite_task,
                   out_dir=Path(out_dir),
                   seed=seed,
                   size=tuple(size))
    return run_tasks(task, range(num), workers)
