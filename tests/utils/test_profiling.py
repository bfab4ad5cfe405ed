import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

from segrefiner.utils import (ForwardTimer, current_rss_mb, peak_rss_mb,
                              synthetic_scene)


def test_forward_timer_counts_only_inside_the_context():
    module = nn.Linear(4, 4)
    timer = ForwardTimer(module)
    module(torch.zeros(1, 4))
    with timer:
        for _ in range(3):
            module(torch.zeros(1, 4))
    module(torch.zeros(1, 4))
    assert timer.calls == 3 and timer.seconds > 0
    assert not module._forward_hooks and not module._forward_pre_hooks


def test_synthetic_scene_is_deterministic():
    a_img, a_masks = synthetic_scene(64, 96, 3, seed=5)
    b_img, b_masks = synthetic_scene(64, 96, 3, seed=5)
    assert a_img.shape == (64, 96, 3) and a_img.dtype == np.uint8
    assert a_masks.shape == (3, 64, 96) and a_masks.dtype == bool
    assert np.array_equal(a_img, b_img) and np.array_equal(a_masks, b_masks)
    assert all(m.any() for m in a_masks)
    assert current_rss_mb() > 10


def test_peak_rss_is_the_process_own_not_the_parents():
    before = peak_rss_mb()
    block = np.ones(64 * 2**20 // 8)  # 64 MiB touched
    assert peak_rss_mb() >= before and peak_rss_mb() >= current_rss_mb()
    del block
    child = subprocess.run(
        [sys.executable, '-c', 'from segrefiner.utils import peak_rss_mb; '
         'print(peak_rss_mb())'], capture_output=True, text=True, check=True)
    # a fresh interpreter importing the package stays well below this
    # process, which has torch, numpy and the tests loaded
    assert float(child.stdout) < peak_rss_mb()
