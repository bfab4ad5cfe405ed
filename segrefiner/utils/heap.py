"""Keeping freed CPU memory for reuse while the UNet runs (glibc only).

PyTorch's CPU allocator is plain ``malloc``. glibc serves every block above
its mmap threshold (at most 32 MiB) with a fresh ``mmap`` and returns it with
``munmap`` when freed, so each large activation of the UNet (32-64 MiB per
256 px crop of the full model) is page-faulted in and zero-filled again on
every forward, a large share of the full UNet's CPU time (measured in
docs/benchmark.md). CUDA has PyTorch's caching allocator for this; on a CPU,
:func:`retain_freed_memory` makes glibc behave like one for the duration of a
refinement:

- on entry, ``mallopt(M_MMAP_MAX, 0)`` (blocks come from the heap) and a
  trim threshold of 2 GiB, the largest ``mallopt`` takes (freed blocks stay
  in the heap for the next step);
- on exit, mmap above 32 MiB and trim above 64 MiB (the upper end of
  glibc's own dynamic thresholds; ``mallopt`` has no getter to restore the
  exact previous values) and
  ``malloc_trim(0)``, which returns the free memory to the system.

The peak memory is unchanged; only the time between steps is saved. The
context is re-entrant (only the outermost one acts) and does nothing where
the C library is not glibc or where the user tuned it through ``MALLOC_*_``
environment variables (``mallopt(3)``; glibc ``malloc/malloc.c``).
"""
import contextlib
import ctypes
import os
import platform
import threading
from typing import Iterator, Optional

__all__ = ['retain_freed_memory', 'heap_retention_supported']

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
_RETAIN = ((_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, 2**31 - 1))
_RESTORE = ((_M_MMAP_MAX, 65536), (_M_MMAP_THRESHOLD, 32 * 2**20),
            (_M_TRIM_THRESHOLD, 64 * 2**20))
_ENV = ('MALLOC_MMAP_MAX_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_',
        'MALLOC_TOP_PAD_', 'LD_PRELOAD')
_lock = threading.Lock()
_depth = 0
_libc: Optional[ctypes.CDLL] = None


def heap_retention_supported() -> bool:
    """Whether :func:`retain_freed_memory` acts in this process: glibc, and
    no ``MALLOC_*_`` tuning or preloaded allocator in the environment.

    Examples:
        >>> isinstance(heap_retention_supported(), bool)
        True
    """
    global _libc
    if any(os.environ.get(name) for name in _ENV):
        return False
    if _libc is None:
        if platform.libc_ver()[0] != 'glibc':
            return False
        _libc = ctypes.CDLL(None)
        _libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        _libc.malloc_trim.argtypes = (ctypes.c_size_t, )
    return True


def _mallopt(settings) -> None:
    for param, value in settings:
        _libc.mallopt(param, value)


@contextlib.contextmanager
def retain_freed_memory(enabled: bool = True) -> Iterator[bool]:
    """Keep freed heap memory in the process until the outermost exit.

    Args:
        enabled: ``False`` makes the context a no-op (the reference path).

    Yields:
        Whether retention is active.

    Examples:
        >>> import torch
        >>> with retain_freed_memory() as active:
        ...     x = torch.zeros(8, 2**20)  # 32 MiB, reused when freed
        >>> isinstance(active, bool)
        True
    """
    global _depth
    if not enabled or not heap_retention_supported():
        yield False
        return
    with _lock:
        _depth += 1
        if _depth == 1:
            _mallopt(_RETAIN)
    try:
        yield True
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _mallopt(_RESTORE)
                _libc.malloc_trim(0)
