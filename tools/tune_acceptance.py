"""Tune the per-instance acceptance rule on a tuning set of training photos.

Usage::

    python tools/gen_real_data.py data/real_tune --split train --num 60 \
        --seed 2000 --coarse official mask_head low_res exact
    python tools/gen_real_data.py data/scene_tune --split train --num 60 \
        --seed 4000 --kinds scene --coarse official mask_head low_res exact
    python tools/tune_acceptance.py demo demo data/real_tune data/scene_tune \
        --sources official mask_head low_res exact

Each instance of the folders (``masks/``, ``coarse_<source>/``) is cut out
as the object-crop protocol does (tight box grown by ``pad_width``, resized
to ``model_size``), refined once (seed 0) with the model's ``safeguard``
applied on the crop, and scored against its truth on the crop. The rule of
:mod:`segrefiner.ops.acceptance` is then replayed for every combination of
thresholds in the grid (``min_edge_ratio``, ``min_confidence``,
``min_shift``, the last in image pixels as the protocol measures it): a
rejected instance scores as its coarse mask. The table
gives, per source, the mean IoU change over the coarse masks and the number
of instances more than 0.5 IoU worse, for the model alone and the 20 best
combinations; the last line names, among the combinations whose mean change
over all instances is within 0.1 IoU of the model alone, the one with the
fewest instances worse, then the best mean. ``--keep official=0.9`` ranks for
a model meant to repair: eligible are the combinations that keep 90% of the
model alone's mean gain on ``official``, and the best leaves the fewest
instances worse on the other sources.
Use training photos only (never the validation sets).
"""
import argparse
import itertools
import sys
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

import torch
from rich.console import Console
from rich.table import Table

from segrefiner.apis import init_refiner
from segrefiner.io import load_image, load_mask
from segrefiner.ops.acceptance import acceptance_scores, decide
from segrefiner.ops.boxes import masks_to_boxes, pad_boxes
from segrefiner.ops.crop_paste import crop_resize, crop_scale
from segrefiner.ops.safeguard import bound_change

EDGE_RATIOS = (None, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1)
CONFIDENCES = (None, 0.3, 0.5, 0.6, 0.7, 0.8)
SHIFTS = (None, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
SHOWN = 20


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='model config or named model')
    parser.add_argument('checkpoint', help='weights or named model')
    parser.add_argument('roots', nargs='+', help='tuning folders')
    parser.add_argument('--sources', nargs='+',
                        default=['official', 'mask_head', 'low_res', 'exact'],
                        help='coarse_<source> folders to use')
    parser.add_argument(
        '--keep', metavar='SOURCE=FRACTION',
        help='rank for repair instead: eligible are the combinations that '
        'keep at least FRACTION of the model alone\'s mean IoU gain on '
        'SOURCE (e.g. official=0.9); best is the fewest instances worse on '
        'the other sources, then the best mean')
    args = parser.parse_args(argv)
    if args.keep is not None:
        source, _, fraction = args.keep.partition('=')
        try:
            args.keep = (source, float(fraction))
        except ValueError:
            parser.error(f'--keep {args.keep}: expected SOURCE=FRACTION')
        if source not in args.sources:
            parser.error(f'--keep {source}: not among --sources')
    return args


class Row(NamedTuple):
    """One rule of the grid and what it gives, per source: mean IoU change,
    instances worse by > 0.5 and instances scored."""
    rule: Tuple[Optional[float], Optional[float], Optional[float]]
    mean: float
    sources: Dict[str, Tuple[float, int, int]]

    def worse(self, skip: Optional[str] = None) -> int:
        return sum(bad for name, (_, bad, _) in self.sources.items()
                   if name != skip)


def _eligible(rows: List[Row], keep: Optional[tuple]) -> List[Row]:
    """The ranked candidates of the grid's ``rows`` (``rows[0]`` is the
    model alone): by default those within 0.1 mean IoU of the model alone,
    fewest worse first; with ``keep=(source, fraction)`` those keeping that
    share of the model alone's gain on ``source``, fewest worse on the other
    sources first. Ties go to the better mean."""
    alone = rows[0]
    if keep is None:
        return sorted((r for r in rows if r.mean >= alone.mean - 0.1),
                      key=lambda r: (r.worse(), -r.mean))
    source, fraction = keep
    gain = alone.sources[source][0]
    floor = min(gain, fraction * gain)  # the model alone is always eligible
    return sorted((r for r in rows if r.sources[source][0] >= floor),
                  key=lambda r: (r.worse(skip=source), -r.mean))


def _iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    inter = (a & b).flatten(1).sum(1).float()
    return 100 * inter / (a | b).flatten(1).sum(1).clamp(min=1).float()


@torch.no_grad()
def score_instances(model, roots: List[str],
                    source: str) -> Dict[str, torch.Tensor]:
    """Crop-level IoU of coarse and refined masks and the rule's scores
    (:func:`~segrefiner.ops.acceptance.acceptance_scores`)."""
    cfg = model.test_cfg
    size, pad = cfg['model_size'], cfg['pad_width']
    crops, coarse, truth, scales = [], [], [], []
    for root in roots:
        for path in sorted(Path(root, 'masks').glob('*.png')):
            image = torch.from_numpy(load_image(
                next(Path(root, 'images').glob(f'{path.stem}.*')))).permute(
                    2, 0, 1)
            mask = torch.from_numpy(
                load_mask(Path(root, f'coarse_{source}', path.name)))[None]
            gt = torch.from_numpy(load_mask(path))[None]
            if mask.sum() < cfg['area_thr']:
                continue
            boxes = pad_boxes(masks_to_boxes(mask), pad, *mask.shape[1:])
            crops.append(crop_resize(image, boxes, size))
            scales.append(crop_scale(boxes, size))
            coarse.append(crop_resize(mask[:, None], boxes, size) >= 0.5)
            truth.append(crop_resize(gt[:, None], boxes, size) >= 0.5)
    crops, coarse = torch.cat(crops), torch.cat(coarse)[:, 0]
    truth = torch.cat(truth)[:, 0]
    generator = torch.Generator().manual_seed(0)
    step = cfg['batch_max']
    probs = torch.cat([
        model.refine(crops[i:i + step], coarse[i:i + step, None].float(),
                     generator=generator)[:, 0]
        for i in range(0, len(crops), step)
    ])
    refined = probs >= 0.5
    if cfg.get('safeguard'):
        refined = bound_change(coarse, refined, **cfg['safeguard'])
    return dict(before=_iou(coarse, truth), after=_iou(refined, truth),
                scores=acceptance_scores(crops, coarse, probs,
                                         torch.cat(scales)))


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        model = init_refiner(args.config, args.checkpoint, 'cpu')
        scores = {s: score_instances(model, args.roots, s)
                  for s in args.sources}
    except (OSError, ValueError, RuntimeError, StopIteration) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    rows = []
    for rule in itertools.product(EDGE_RATIOS, CONFIDENCES, SHIFTS):
        deltas, sources = [], {}
        for source in args.sources:
            s = scores[source]
            keep = decide(s['scores'], *rule)
            delta = torch.where(keep, s['after'], s['before']) - s['before']
            deltas.append(delta)
            sources[source] = (float(delta.mean()), int((delta < -0.5).sum()),
                               len(delta))
        rows.append(Row(rule, float(torch.cat(deltas).mean()), sources))
    alone = rows[0]
    eligible = _eligible(rows, args.keep)
    table = Table('min_edge_ratio', 'min_confidence', 'min_shift',
                  *[f'{s} dIoU / worse' for s in args.sources], 'all dIoU')
    for row in [alone] + [r for r in eligible[:SHOWN] if r is not alone]:
        table.add_row(*map(str, row.rule),
                      *[f'{mean:+.2f} / {bad} of {n}'
                        for mean, bad, n in row.sources.values()],
                      f'{row.mean:+.3f}')
    Console(width=180).print(table)
    best = eligible[0]
    ratio, conf, shift = best.rule
    print(f'best: min_edge_ratio={ratio} min_confidence={conf} '
          f'min_shift={shift} (mean IoU change {best.mean:+.3f}, '
          f'{best.worse()} instances worse by > 0.5; the model alone: '
          f'{alone.mean:+.3f}, {alone.worse()})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
