"""A progress bar with a rate on stderr that messages can interrupt."""
import sys
import time
from typing import Optional, TextIO


class Progress:
    """``done/total`` with items per second and the time left.

    On a terminal the line is redrawn in place; elsewhere (a log file, a
    pipe) a line is written at most every ``interval`` seconds and at the
    end. :meth:`message` prints a line above the bar without garbling it.

    Args:
        total: Number of items.
        unit: Name of an item in the rate (``'images'``: ``images/s``).
        stream: Where to write (stderr by default).
        interval: Seconds between lines when ``stream`` is no terminal.
        enabled: ``False`` shows no bar; messages are still printed.

    Example:
        >>> bar = Progress(2, enabled=False)
        >>> bar.update(); bar.update(); bar.close()
    """

    def __init__(self,
                 total: int,
                 unit: str = 'items',
                 stream: Optional[TextIO] = None,
                 interval: float = 10.0,
                 enabled: bool = True) -> None:
        self.total, self.unit, self.done = total, unit, 0
        self.stream = sys.stderr if stream is None else stream
        self.interval, self.enabled = interval, enabled and total > 0
        isatty = getattr(self.stream, 'isatty', None)
        self.tty = bool(isatty and isatty())
        self.start = time.perf_counter()
        self._last = self.start
        self._drawn = False

    def text(self) -> str:
        """The bar's line, e.g. ``12/40 (30%) 2.3 images/s, 12 s left``."""
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else None
        percent = 100 * self.done // max(self.total, 1)
        eta = '' if left is None else f', {left:.0f} s left'
        if self.done >= self.total:
            eta = f' in {elapsed:.1f} s'
        return (f'{self.done}/{self.total} ({percent}%) '
                f'{rate:.2f} {self.unit}/s{eta}')

    def _clear(self) -> None:
        if self.tty and self._drawn:
            self.stream.write('\r\033[K')
            self._drawn = False

    def _draw(self) -> None:
        if self.tty:
            self.stream.write('\r' + self.text())
            self._drawn = True
        else:
            self.stream.write(self.text() + '\n')
        self.stream.flush()

    def update(self, n: int = 1) -> None:
        """Count ``n`` more items done."""
        self.done += n
        now = time.perf_counter()
        if self.enabled and (self.tty or now - self._last >= self.interval):
            self._last = now
            self._draw()

    def message(self, line: str) -> None:
        """Print ``line`` on its own line, then the bar again."""
        self._clear()
        self.stream.write(line + '\n')
        if self.enabled and self.tty:
            self._draw()
        self.stream.flush()

    def close(self) -> None:
        """Write the final state and end the bar's line."""
        if not self.enabled:
            return
        self._clear()
        self.stream.write(self.text() + '\n')
        self.stream.flush()
