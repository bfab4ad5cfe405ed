import subprocess
import sys

import pytest
import torch

from segrefiner.utils import (current_rss_mb, heap_retention_supported,
                              retain_freed_memory)

needs_glibc = pytest.mark.skipif(
    not heap_retention_supported(), reason='glibc without MALLOC_* tuning')
MIB_64 = 16 * 2**20  # float32 elements


FAULTS_SCRIPT = """
import resource, torch
from segrefiner.utils import retain_freed_memory

def faults(times):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(times):
        torch.ones(16 * 2**20)  # 64 MiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

plain = faults(4)
with retain_freed_memory() as active:
    assert active
    torch.ones(16 * 2**20)  # the first block is faulted in once
    retained = faults(8)
print(plain, retained)
"""


@needs_glibc
def test_freed_memory_is_reused_instead_of_faulted_in_again():
    # A fresh process: the allocator's thresholds depend on its history.
    out = subprocess.run([sys.executable, '-c', FAULTS_SCRIPT], check=True,
                         capture_output=True, text=True).stdout
    plain, retained = (int(v) for v in out.split()[-2:])
    # 64 MiB is 16384 pages; glibc maps and unmaps every one of them.
    assert plain > 4 * 16384 * 0.9
    # Retained, 8 blocks fault in at most one block's pages, not 8: glibc
    # sometimes places the block once more, depending on where the address
    # space layout put the heap (3 of 12 fresh processes here), never again.
    assert retained < 16384 * 1.1


@needs_glibc
def test_memory_is_returned_at_the_outermost_exit():
    base = current_rss_mb()
    with retain_freed_memory():
        with retain_freed_memory() as inner:
            assert inner
            torch.ones(4 * MIB_64)
        held = current_rss_mb()  # the inner exit keeps it
    assert held - base > 200
    assert current_rss_mb() - base < 50


def test_disabled_or_tuned_by_the_user_is_a_no_op(monkeypatch):
    with retain_freed_memory(enabled=False) as active:
        assert not active
    monkeypatch.setenv('MALLOC_MMAP_MAX_', '0')
    assert not heap_retention_supported()
    with retain_freed_memory() as active:
        assert not active
