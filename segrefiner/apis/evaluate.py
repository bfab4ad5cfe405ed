"""Refine a dataset's coarse masks and score them: the BIG / DIS5K protocol.

SegRefiner reports BIG and DIS5K as dataset-pooled IoU and mBA of the coarse
masks and of their refinements (official ``scripts/eval_miou.py`` and
``eval_miou_dis.py``), the refinement as mean ± std
over repeated runs of the stochastic sampler (docs/design.md, "Metrics").
:func:`evaluate_dataset` does
this for any folder dataset of :mod:`segrefiner.data.datasets`, with
:class:`~segrefiner.evaluation.RefineMetric` (which adds mean Boundary IoU)
per group of samples (a DIS5K subset, else the whole dataset).
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.registry import DATASETS

from ..data import datasets  # noqa: F401  (registers the dataset types)
from ..evaluation import RefineMetric
from ..io import check_size, load_image, load_mask, write_image
from ..models import InferenceOptions, SegRefiner
from .batch import check_output, run_batch
from .predictor import SegRefinerPredictor

__all__ = [
    'DATASET_TYPES', 'EvaluationReport', 'build_eval_dataset',
    'evaluate_dataset', 'format_table'
]

#: ``tools/test.py --dataset`` choices and their dataset types.
DATASET_TYPES = dict(folder='RefineFolderDataset',
                     big='BIGDataset',
                     dis='DIS5KDataset')
METRIC_NAMES = ('IoU', 'mBA', 'bIoU')
INPUT_FIELDS = ('img_path', 'gt_path', 'coarse_path', 'coarse_expand_path')


def build_eval_dataset(kind: str,
                       data_root: str,
                       coarse_root: Optional[str] = None,
                       subsets: Optional[Sequence[str]] = None) -> BaseDataset:
    """A test-mode dataset of :data:`DATASET_TYPES` for evaluation.

    Args:
        kind: ``'folder'``, ``'big'`` or ``'dis'``.
        data_root: The dataset folder.
        coarse_root: The coarse-mask folder: ``folder``'s coarse folder
            (default ``data_root/coarse``) or DIS5K's folder of per-subset
            folders (default ``<subset>/coarse``). Not used by ``big``.
        subsets: DIS5K subsets (default: VD and TE1-4).

    Raises:
        ValueError: For an unknown kind or an argument the kind does not use.
    """
    if kind not in DATASET_TYPES:
        raise ValueError(f'dataset must be one of {sorted(DATASET_TYPES)}, '
                         f'got {kind!r}')
    if subsets and kind != 'dis':
        raise ValueError('subsets are for the dis dataset only')
    if coarse_root is not None and kind == 'big':
        raise ValueError('big keeps its coarse masks (*_seg.png) beside the '
                         'images; choose the folder with data_root')
    cfg = dict(type=DATASET_TYPES[kind], data_root=data_root, test_mode=True)
    if kind == 'dis':
        cfg.update(coarse_root=coarse_root and os.path.abspath(coarse_root))
        if subsets:
            cfg.update(subsets=list(subsets))
    elif kind == 'folder' and coarse_root is not None:
        cfg.update(data_prefix=dict(img_path='images',
                                    gt_path='masks',
                                    coarse_path=os.path.abspath(coarse_root)))
    return DATASETS.build(cfg)


def _std(values: Sequence[float]) -> float:
    """Sample standard deviation (``ddof=1``), 0 for a single value."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


@dataclass
class GroupScores:
    """The metrics of one group: its coarse masks and each seed's output."""
    coarse: RefineMetric
    refined: List[RefineMetric]

    def summary(self) -> dict:
        """Images, coarse metrics and refined mean/std/per-seed, in %."""
        coarse = self.coarse.compute_metrics(self.coarse.results)
        runs = [m.compute_metrics(m.results) for m in self.refined]
        refined = {}
        for name in METRIC_NAMES:
            values = [run[name] for run in runs]
            refined[name] = dict(mean=float(np.mean(values)),
                                 std=_std(values),
                                 per_seed=values)
        return dict(images=len(self.coarse.results),
                    coarse=coarse,
                    refined=refined)


@dataclass
class EvaluationReport:
    """What :func:`evaluate_dataset` found.

    Attributes:
        seeds: The sampling seeds, one refinement of every sample each.
        groups: Metrics by group name, in order of appearance.
        failures: ``'<file>: <reason>'`` per sample that could not be done.
        written: Number of refined masks written.
        unscored: Number of samples refined without a GT.
    """
    seeds: List[int]
    groups: Dict[str, GroupScores] = field(default_factory=dict)
    failures: List[str] = field(default_factory=list)
    written: int = 0
    unscored: int = 0

    def summary(self) -> dict:
        """A JSON-ready dict of everything, metrics in percent."""
        return dict(seeds=self.seeds,
                    groups={
                        name: group.summary()
                        for name, group in self.groups.items()
                    },
                    failures=self.failures,
                    written=self.written,
                    unscored=self.unscored)


def format_table(summary: dict) -> str:
    """An :meth:`EvaluationReport.summary` as text: coarse, refined mean ± std.

    Examples:
        >>> print(format_table(EvaluationReport(seeds=[0]).summary()))
        ... # doctest: +NORMALIZE_WHITESPACE
        group  images  metric  coarse  refined (mean ± std over 1 seeds)
        (no sample with a GT: nothing scored)
    """
    lines = [
        f'{"group":<16}{"images":>7}  {"metric":<6}{"coarse":>9}  refined '
        f'(mean ± std over {len(summary["seeds"])} seeds)'
    ]
    for name, group in summary['groups'].items():
        for i, metric in enumerate(METRIC_NAMES):
            head = f'{name:<16}{group["images"]:>7}' if i == 0 else ''
            refined = group['refined'][metric]
            lines.append(f'{head:<23}  {metric:<6}'
                         f'{group["coarse"][metric]:>9.2f}  '
                         f'{refined["mean"]:.2f} ± {refined["std"]:.2f}')
    if not summary['groups']:
        lines.append('(no sample with a GT: nothing scored)')
    return '\n'.join(lines)


def _input_files(dataset: BaseDataset) -> List[str]:
    """Every input file of the dataset."""
    return [
        info[key]
        for info in (dataset.get_data_info(i) for i in range(len(dataset)))
        for key in INPUT_FIELDS if info.get(key) is not None
    ]


def _load_sample(
        info: dict,
        rule: str) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """Image, binarised coarse mask and GT (``None`` if absent) of a sample.

    Raises:
        ValueError: If the sample has no coarse mask or a mask is not the
            image's size (naming the mask file).
    """
    if info.get('coarse_path') is None:
        raise ValueError('the sample has no coarse mask')
    image = load_image(info['img_path'])
    masks = []
    for key in ('coarse_path', 'gt_path'):
        mask = None if info.get(key) is None else load_mask(info[key], rule)
        if mask is not None:
            check_size(mask, image.shape[:2], f'{info[key]}: mask')
        masks.append(mask)
    return image, masks[0], masks[1]


def evaluate_dataset(model: SegRefiner,
                     dataset: BaseDataset,
                     seeds: Sequence[int] = (0, ),
                     mode: str = 'hr',
                     out_dir: Optional[str] = None,
                     rule: str = '>=128',
                     label: str = 'all',
                     progress: bool = False,
                     options: Optional[InferenceOptions] = None,
                     workers: int = 0) -> EvaluationReport:
    """Refine every sample's coarse mask once per seed and score the results.

    The GT and the coarse mask are binarised with ``rule`` (the coarse mask
    so for refinement too); every seed refines the sample and has its own
    metric, so the refined numbers come as mean ± std over seeds, the coarse
    ones once. A sample whose files cannot be read or do not fit is reported
    as one ``error:`` line on stderr naming the file and left out; the
    others go on (:func:`~.batch.run_batch`).

    Args:
        model: The refiner.
        dataset: A folder dataset (entries with ``img_path``, ``coarse_path``,
            ``gt_path`` or ``None``, ``out_name``, optional ``subset``).
        seeds: Sampling seeds.
        mode: ``'hr'`` (the official BIG/DIS protocol), ``'lr'`` or
            ``'auto'`` (see :func:`~segrefiner.apis.refine`).
        out_dir: If given, the first seed's masks are written (0/255 PNG,
            atomically) to ``out_dir/<out_name>``; a path that is an input
            file of the dataset fails that sample instead.
        rule: ``'>=128'`` (SegRefiner) or ``'>128'`` (CascadePSP).
        label: Group name of samples without a ``subset``.
        progress: Show a progress bar on stderr.
        options: The inference options (``None``: the model's).
        workers: DataLoader processes reading the samples ahead.

    Under ``torch.distributed`` every rank refines and scores its share of
    the samples (:func:`~.batch.run_batch`) and rank 0 pools all of them in
    sample order, so its metrics equal one process's exactly; the other
    ranks return an empty report (their masks are written all the same).

    Returns:
        The :class:`EvaluationReport`.

    Raises:
        ValueError: If ``seeds`` is empty.
    """
    seeds = [int(seed) for seed in seeds]
    if not seeds:
        raise ValueError('give at least one seed')
    inputs = _input_files(dataset) if out_dir is not None else []
    predictor = SegRefinerPredictor(model, options)
    report = EvaluationReport(seeds=seeds)
    scorer = RefineMetric(rule)

    def load(info: dict):
        image, coarse, gt = _load_sample(info, rule)
        path = None if out_dir is None else Path(out_dir) / info['out_name']
        if path is not None:
            check_output(path, inputs)
        return image, coarse, gt, path

    def step(info: dict, loaded: tuple, warn: Callable[[str], None]):
        image, coarse, gt, path = loaded
        refined = [predictor.refine(image, coarse, mode, seed)
                   for seed in seeds]
        if path is not None:
            write_image(path, refined[0].astype(np.uint8) * 255)
        scores = None if gt is None else (scorer.sample_result(
            coarse, gt), [scorer.sample_result(mask, gt) for mask in refined])
        return 'unscored' if gt is None else None, (path is not None, scores)

    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    outcomes = run_batch(infos, lambda info: info['img_path'], step, report,
                         progress, 'images', load, workers)
    for info, outcome in zip(infos, outcomes or []):
        if outcome is None:  # failed
            continue
        written, scores = outcome
        report.written += written
        if scores is None:
            continue
        group = report.groups.setdefault(
            info.get('subset', label),
            GroupScores(RefineMetric(rule, prefix='coarse'),
                        [RefineMetric(rule, prefix='refined') for _ in seeds]))
        group.coarse.results.append(scores[0])
        for metric, result in zip(group.refined, scores[1]):
            metric.results.append(result)
    return report
