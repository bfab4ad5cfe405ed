"""The package's one progress bar (``rich``, on stderr): every batch of
:mod:`segrefiner.batch` and every data tool draws this one."""
from typing import Optional

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                           ProgressColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.text import Text

__all__ = ['progress_bar']


class _Rate(ProgressColumn):
    """Items per second, e.g. ``2.31 images/s``."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed or 0.0
        return Text(f'{speed:.2f} {self.unit}/s')


def progress_bar(unit: str, disable: bool = False,
                 console: Optional[Console] = None,
                 label: Optional[str] = None) -> Progress:
    """The package's progress bar (every batch and data tool draws this one):
    ``label`` (default ``unit``), the bar, done of total, ``unit``/s, elapsed
    and remaining time, on stderr unless ``console`` says otherwise."""
    console = console or Console(stderr=True, highlight=False, soft_wrap=True)
    return Progress(TextColumn(label or unit, markup=False), BarColumn(),
                    MofNCompleteColumn(), _Rate(unit), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=console, disable=disable)
