"""The one batch runner: folders, result files and dataset evaluation.

Why one: every batch (:mod:`.folders`, :mod:`.result_files`,
:mod:`.evaluate`) reports a bad input as one ``error:`` line naming the file
and goes on, refuses to overwrite its inputs, shows the same progress bar
(``rich``, on stderr), reads its inputs ahead in DataLoader workers and
splits its inputs across the ranks of a distributed run, so these rules live
here once.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import (Any, Callable, Dict, List, NamedTuple, Optional, Protocol,
                    Sequence, Tuple, TypeVar)

from rich.console import Console
from torch.utils.data import DataLoader, Dataset

from ..io import PathLike
from ..models import InferenceOptions
from ..utils.progress import progress_bar
from .distributed import gather_to_main, is_main_process, shard

__all__ = [
    'BatchOptions', 'BatchReport', 'Outcome', 'check_output', 'describe',
    'run_batch'
]

Item = TypeVar('Item')


class Outcome(NamedTuple):
    """What a batch step returns for one item.

    Attributes:
        status: The report counter to increment (``None``: none;
            ``'passed:<reason>'``: :meth:`BatchReport.pass_through`).
        value: A value collected by :func:`run_batch`.
    """
    status: Optional[str]
    value: Any = None


class _Record(NamedTuple):
    """What became of one item, sent to rank 0 (``failure``: its error line,
    else ``status`` and ``value`` are its :class:`Outcome`)."""
    index: int
    status: Optional[str]
    value: Any
    failure: Optional[str]


#: A step over the items of one UNet batch: ``(items, loaded, warn) ->
#: outcomes``.
BatchStep = Callable[[List[Any], List[Any], Callable[[str], None]],
                     List[Outcome]]


@dataclass(frozen=True)
class BatchOptions:
    """How a batch is refined (the ``tools/refine.py`` flags); immutable.

    Attributes:
        seed: Sampling seed of every prediction (``None``: torch's global).
        mode: Binary masks' protocol: ``'auto'``, ``'lr'`` or ``'hr'``.
        ignore_index: Label-map value left untouched (``None``: none).
        resize_mask: Nearest-resize predictions to their image's size
            instead of failing them.
        resume: Skip predictions whose output is already complete.
        progress: Show a progress bar on stderr.
        inference: The :class:`InferenceOptions` of every refinement
            (``None``: the model's).
        workers: DataLoader processes reading and decoding the inputs
            ahead of the refinement (``0``: none).
        batch_images: Images whose object crops share UNet batches (binary
            masks and instance results; ``1``: each image alone, exactly
            as :func:`~segrefiner.apis.refine`). Outputs then depend on
            the grouping of consecutive inputs, never on the ranks.
    """
    seed: Optional[int] = 0
    mode: str = 'auto'
    ignore_index: Optional[int] = 255
    resize_mask: bool = False
    resume: bool = False
    progress: bool = True
    inference: Optional[InferenceOptions] = None
    workers: int = 0
    batch_images: int = 1


@dataclass
class BatchReport:
    """What a batch did, each item counted once.

    Attributes:
        out: The output folder or file.
        refined: Items refined and written.
        passed: Items written unchanged, by reason (e.g. ``'empty'``).
        skipped: Items whose output was complete (``resume``).
        failures: One ``'<file>: <problem>'`` line per bad input.
        masks: Instance masks refined and passed through (one-file
            outputs: ``{'refined': n, 'under area_thr=512 px': m}``).
        not_written: Why a one-file output was not written (``None``: it
            was, or the outputs are a folder).
    """
    out: str
    refined: int = 0
    passed: Dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    failures: List[str] = field(default_factory=list)
    masks: Dict[str, int] = field(default_factory=dict)
    not_written: Optional[str] = None

    def pass_through(self, reason: str, count: int = 1) -> None:
        """Count ``count`` items written unchanged because of ``reason``."""
        self.passed[reason] = self.passed.get(reason, 0) + count

    def summary(self) -> str:
        """E.g. ``refined 8, passed through 1 (1 empty), skipped 2 (resume),
        failed 3; outputs in out``."""
        reasons = ', '.join(f'{n} {why}' for why, n in self.passed.items())
        passed = f' ({reasons})' if reasons else ''
        masks = '; masks: ' + ', '.join(
            f'{n} {what}' for what, n in self.masks.items()) if (
                self.masks) else ''
        where = (f'{self.out} not written: {self.not_written}'
                 if self.not_written else f'outputs in {self.out}')
        return (f'refined {self.refined}, passed through '
                f'{sum(self.passed.values())}{passed}, skipped '
                f'{self.skipped} (resume), failed {len(self.failures)}'
                f'{masks}; {where}')


def describe(name: Any, error: BaseException) -> str:
    """``'<name>: <error>'``, unless the error already names a file first.

    Examples:
        >>> describe('a.png', ValueError('mask size differs'))
        'a.png: mask size differs'
    """
    if isinstance(error, OSError) and error.filename is not None:
        return f'{error.filename}: {error.strerror or error}'
    text = str(error)
    head = text.partition(': ')[0]
    if head == str(name) or (head and os.path.lexists(head)):
        return text
    return f'{name}: {text}'


class Report(Protocol):
    """What :func:`run_batch` fills: ``failures`` and the step counters."""
    failures: List[str]


class _ReadAhead(Dataset):
    """``(index, load(items[index]), error)`` for this rank's indices: a bad
    input's ``OSError``/``ValueError`` comes back as a value, to be reported
    by the step, not raised in a worker."""

    def __init__(self, items: Sequence[Item], indices: Sequence[int],
                 load: Callable[[Item], Any]) -> None:
        self.items, self.indices, self.load = items, indices, load

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> Tuple[int, Any, Optional[Exception]]:
        index = self.indices[i]
        try:
            return index, self.load(self.items[index]), None
        except (OSError, ValueError) as error:
            return index, None, error


def _as_is(sample: Any) -> Any:
    return sample


def _no_load(item: Any) -> None:
    return None


def run_batch(items: Sequence[Item],
              name_of: Callable[[Item], Any],
              step: Optional[Callable[[Item, Any, Callable[[str], None]],
                                      Outcome]],
              report: Report,
              progress: bool,
              unit: str,
              load: Optional[Callable[[Item], Any]] = None,
              workers: int = 0,
              batch_items: int = 1,
              batch_step: Optional[BatchStep] = None) -> Optional[List[Any]]:
    """Run ``step(item, load(item), warn)`` over ``items``, counting outcomes.

    ``load`` (reading and decoding the inputs) runs ahead of the steps in
    ``workers`` DataLoader processes (``0``: in this process, just before
    its step). A step returns ``(counter, value)``: ``report.<counter>`` is
    incremented (unless ``None``; ``'passed:<reason>'`` counts a
    pass-through). A ``load`` or step that raises ``OSError`` or
    ``ValueError`` becomes one ``error:`` line on stderr naming
    ``name_of(item)``, in ``report.failures``; its value is ``None``.
    ``warn(line)`` prints a line above the bar.

    With ``batch_step`` (instead of ``step``) the items go in consecutive
    batches of ``batch_items``: ``batch_step(items, loaded, warn)`` gets the
    members that loaded and returns their outcomes; if it raises, each of
    them fails with the error.

    Under ``torch.distributed`` each rank runs its :func:`~.distributed.shard`
    of the batches and rank 0 (the only one with a bar) gets every rank's
    outcomes in item order, so its ``report`` and values are those of one
    process; the other ranks' ``report`` stays empty. The batches are cut
    before sharding, so they do not depend on the number of ranks.

    Returns:
        The steps' values, in item order (``None`` on ranks other than 0).
    """
    console = Console(stderr=True, highlight=False, soft_wrap=True)

    def warn(line: str) -> None:
        console.print(line, markup=False)

    if batch_step is None:
        batch_items = 1

        def batch_step(members, loaded, warn):
            return [step(members[0], loaded[0], warn)]

    batches = [range(start, min(start + batch_items, len(items)))
               for start in range(0, len(items), batch_items)]
    mine = [batches[b] for b in shard(len(batches))]
    indices = [index for members in mine for index in members]
    loader = iter(DataLoader(_ReadAhead(items, indices, load or _no_load),
                             batch_size=None,
                             num_workers=workers,
                             collate_fn=_as_is,
                             multiprocessing_context='fork'
                             if workers else None))
    records = []
    label = unit if len(indices) == len(items) else (  # rank 0's share
        f"{unit} (rank 0's {len(indices)} of {len(items)})")
    with progress_bar(unit, not progress or not indices
                      or not is_main_process(), console, label) as bar:
        task = bar.add_task(unit, total=len(indices))
        for members in mine:
            ready = []
            for index, loaded, problem in (next(loader) for _ in members):
                if problem is None:
                    ready.append((index, loaded))
                    continue
                records.append(_Record(index, None, None,
                                       describe(name_of(items[index]),
                                                problem)))
                warn(f'error: {records[-1].failure}')
            try:
                outcomes = batch_step([items[i] for i, _ in ready],
                                      [loaded for _, loaded in ready],
                                      warn) if ready else []
                records += [_Record(i, *outcome, None)
                            for (i, _), outcome in zip(ready, outcomes)]
            except (OSError, ValueError) as error:
                for index, _ in ready:
                    records.append(_Record(index, None, None,
                                           describe(name_of(items[index]),
                                                    error)))
                    warn(f'error: {records[-1].failure}')
            bar.advance(task, len(members))
    gathered = gather_to_main(records)
    if gathered is None:
        return None
    values = []
    for record in gathered:
        status = record.status
        if record.failure is not None:
            report.failures.append(record.failure)
        elif status is not None and status.startswith('passed:'):
            report.pass_through(status.partition(':')[2])
        elif status is not None:
            setattr(report, status, getattr(report, status) + 1)
        values.append(record.value)
    return values


def check_output(out: PathLike, inputs: Sequence[PathLike]) -> None:
    """Refuse an output path that is one of the inputs.

    Raises:
        ValueError: Naming the input that ``out`` would overwrite.
    """
    target = Path(out).resolve()
    for path in inputs:
        if Path(path).resolve() == target:
            raise ValueError(f'the output {out} is the input {path}; '
                             'refusing to overwrite an input')
