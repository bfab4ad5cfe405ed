"""tools/benchmark.py: the family's --unet-batch and the FLOP tally."""
import os
import sys

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'tools')


@pytest.fixture
def bench_tool(monkeypatch):
    monkeypatch.syspath_prepend(TOOLS)  # as Python runs the script
    import benchmark
    return benchmark


@pytest.mark.parametrize('text,value', [('all', 'all'), ('auto', 'auto'),
                                        ('2', 2), (None, None)])
def test_unet_batch_takes_the_family_values(bench_tool, monkeypatch, text,
                                            value):
    argv = ['benchmark.py'] + ([] if text is None else ['--unet-batch', text])
    monkeypatch.setattr(sys, 'argv', argv)
    assert bench_tool.parse_args().unet_batch == value


def test_flop_tally_counts_every_forward_by_its_batch(bench_tool):
    import benchmark_flops
    model = bench_tool.random_model('tiny')
    unet, t = model.denoise_model, torch.zeros(1, dtype=torch.long)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        unet(torch.zeros(1, 4, 32, 32), t)
    tally = benchmark_flops.FlopTally(unet)
    with torch.no_grad(), tally:
        unet(torch.zeros(3, 4, 32, 32), t.repeat(3))
        unet(torch.zeros(2, 4, 32, 32), t.repeat(2))
    assert tally.total() == 5 * counter.get_total_flops() > 0
