"""Shared fixtures: the tiny refiner config and the repository root."""
import os

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY_CONFIG = os.path.join(ROOT, 'configs', 'segrefiner',
                           'segrefiner_tiny.py')


@pytest.fixture(scope='session')
def repo_root() -> str:
    return ROOT


@pytest.fixture(scope='session')
def tiny_config() -> str:
    return TINY_CONFIG


@pytest.fixture
def tiny_refiner():
    """A freshly initialised tiny SegRefiner in eval mode (seeded)."""
    from segrefiner.apis import init_refiner
    torch.manual_seed(0)
    return init_refiner(TINY_CONFIG)
