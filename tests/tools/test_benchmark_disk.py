"""tools/benchmark_disk.py: the disk-to-disk rows, one process and 2 ranks."""
import os
import sys

import pytest

TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'tools')


@pytest.fixture
def benchmark_disk(monkeypatch):
    monkeypatch.syspath_prepend(TOOLS)
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    import benchmark_disk
    return benchmark_disk


def test_rows_time_the_whole_folder_on_one_and_two_ranks(benchmark_disk,
                                                         capsys):
    rows = benchmark_disk.disk_rows(['tiny'], [2], ranks=2, workers=1,
                                    device='cpu', model_size=64)
    assert [row['ranks'] for row in rows] == [1, 2]
    for row in rows:
        assert row["images"] == 2
        assert row['forwards'] == 2 * 6  # every image, every step, once
        assert 0 < row['unet_share'] < 1 and row['images_per_s'] > 0
    out = capsys.readouterr().out
    assert 'disk to disk, 2 images 480x640, 2 process(es)' in out
