"""Rebuild ``demo/sample``: a held-out scene with an exact truth.

Usage::

    apt-get install lomiri-wallpapers            # the photos (offline in CI: not needed)
    python tools/make_demo_sample.py demo/sample [--seed 0]

The bundled sample must be something the embedded model never trained or
was tuned on, with a truth that is exact, and a coarse mask of a kind users
have. It is one scene of :func:`segrefiner.datagen.scenes.make_scene`
(objects with exact outlines touching and occluding one another) built only
from **validation-split** photos (:func:`~segrefiner.datagen.photos.
photo_split`, which no training or tuning set draws from) that are free to
redistribute: the background is ``seeding_by_Clements_Engelhardt.jpg``
(CC0-1.0), the objects are cut from the CC-BY-4.0 photos of
:data:`OBJECT_PHOTOS` (``lomiri-wallpapers``; ``demo/sample/README.md``
credits them). The truth is the chosen object's visible part, the coarse
mask its 28x28 mask-head round trip (:mod:`segrefiner.data.coarse_sources`).

The scene is the first of seeds ``--seed``, ``--seed + 1``, ... whose
background is the CC0 photo; nothing about the refinement takes part in the
choice. Writes ``image.jpg``, ``gt.png`` and ``coarse.png``.
"""
import argparse
import sys
from pathlib import Path
from typing import List, Optional

import numpy as np

from segrefiner.data.coarse_sources import make_coarse
from segrefiner.datagen.photos import find_photos, photo_split
from segrefiner.datagen.scenes import make_scene
from segrefiner.io import write_image, write_mask

#: The background: CC0-1.0 (lomiri-wallpapers' debian/copyright).
BACKGROUND = 'backgrounds/seeding_by_Clements_Engelhardt'
#: Objects are cut from these, all CC-BY-4.0 (Aitzol Berasategi; freespace).
OBJECT_PHOTOS = ('backgrounds/aitzgorri_by_Aitzol_Berasategi',
                 'backgrounds/picosdeeuropa_by_Aitzol_Berasategi',
                 'backgrounds/Picture_0B_by_freespace')
_MAX_SEEDS = 1000


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out', help='output folder (demo/sample)')
    parser.add_argument('--seed', type=int, default=0,
                        help='first seed tried (default 0)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    found = {photo.name: photo for photo in find_photos()}
    names = (BACKGROUND, ) + OBJECT_PHOTOS
    missing = [name for name in names if name not in found]
    if missing:
        print(f'error: photos not installed: {", ".join(missing)} '
              '(apt-get install lomiri-wallpapers)', file=sys.stderr)
        return 1
    if any(photo_split(name) != 'val' for name in names):  # a guard
        print('error: a demo photo is in the training split', file=sys.stderr)
        return 1
    photos = [found[name] for name in names]
    for seed in range(args.seed, args.seed + _MAX_SEEDS):
        rng = np.random.default_rng(seed)
        scene = make_scene(photos, rng)
        if scene is None or scene[2][0] != BACKGROUND:
            continue
        image, mask, used = scene
        coarse = make_coarse(mask, 'mask_head', rng)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        write_image(out / 'image.jpg', image)
        write_mask(out / 'gt.png', mask > 0)
        write_mask(out / 'coarse.png', coarse > 0)
        print(f'seed {seed}: {image.shape[1]}x{image.shape[0]}, '
              f'photos {", ".join(used)} -> {out}')
        return 0
    print(f'error: no scene on {BACKGROUND} in {_MAX_SEEDS} seeds',
          file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
