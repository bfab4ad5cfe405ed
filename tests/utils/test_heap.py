import resource

import pytest
import torch

from segrefiner.utils import (current_rss_mb, heap_retention_supported,
                              retain_freed_memory)

needs_glibc = pytest.mark.skipif(
    not heap_retention_supported(), reason='glibc without MALLOC_* tuning')
MIB_64 = 16 * 2**20  # float32 elements


def faults_of_reallocating(times: int) -> int:
    """Minor page faults of allocating and filling a 64 MiB tensor."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(times):
        torch.ones(MIB_64)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@needs_glibc
def test_freed_memory_is_reused_instead_of_faulted_in_again():
    plain = faults_of_reallocating(4)
    with retain_freed_memory() as active:
        assert active
        torch.ones(MIB_64)  # the first block is faulted in once
        retained = faults_of_reallocating(4)
    # 64 MiB is 16384 pages; glibc maps and unmaps every one of them.
    assert plain > 4 * 16384 * 0.9
    assert retained < plain / 10


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
