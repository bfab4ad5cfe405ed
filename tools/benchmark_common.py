"""What the benchmark scripts share: their configs, models and machine name.

``tools/benchmark.py``, ``tools/benchmark_disk.py``,
``tools/benchmark_memory.py`` and ``tools/benchmark_steps.py`` import this
module the way Python runs them, with ``tools/`` first on ``sys.path``; their timed models are built here,
with random initial weights (``init_refiner`` seeds them: every process of
a run times the same model).
"""
import json
import os
from typing import Any, Optional

import torch

from segrefiner.apis import init_refiner
from segrefiner.io import atomic_write_bytes
from segrefiner.model_zoo import RANDOM_WEIGHTS
from segrefiner.models import SegRefiner

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: ``--configs`` names of every benchmark script: config files under ROOT.
CONFIGS = dict(tiny='configs/segrefiner/segrefiner_tiny.py',
               full='configs/segrefiner/segrefiner_lr.py',
               demo='segrefiner/model_zoo/demo_config.py')


def random_model(name: str, device: str = 'cpu',
                 cfg_options: Optional[dict] = None) -> SegRefiner:
    """The ``CONFIGS[name]`` model with random initial weights on
    ``device`` (``cfg_options`` merged into its config)."""
    return init_refiner(os.path.join(ROOT, CONFIGS[name]), RANDOM_WEIGHTS,
                        device, cfg_options)


def device_name(device: str) -> str:
    """The GPU's name, or the CPU's model name from /proc/cpuinfo."""
    if device.startswith('cuda'):
        return torch.cuda.get_device_name(torch.device(device))
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return 'unknown CPU'


def write_json(path: Optional[str], result: Any) -> None:
    """``--json PATH``: ``result`` written atomically (nothing without a
    path; values JSON lacks as their ``str``)."""
    if path:
        atomic_write_bytes(path, json.dumps(result, indent=2,
                                            default=str).encode())
