"""protocols/modes.py: one mode rule, one check, one crop box."""
import argparse

import pytest
import torch

from segrefiner.apis.cli import add_mode_arg
from segrefiner.protocols import (MODES, check_mode, crop_boxes,
                                  resolve_mode)


def test_one_check_of_a_mode():
    assert [check_mode(mode) for mode in MODES] == list(MODES)
    with pytest.raises(ValueError, match=r"one of \('auto', 'lr', 'hr'\), "
                       r"got 'HR'"):
        check_mode('HR')
    parser = argparse.ArgumentParser()
    add_mode_arg(parser)
    assert parser._option_string_actions['--mode'].choices == MODES


def test_resolve_mode_and_the_crop_box(identity_refiner):
    # model_size 64, pad_width 20: a padded box longer than 128 px goes HR
    mask = torch.zeros(300, 300, dtype=torch.bool)
    mask[50:250, 100:150] = True
    assert crop_boxes(identity_refiner, mask[None]).tolist() == [
        [80, 30, 170, 270]]
    assert resolve_mode(identity_refiner, mask, 'auto') == 'hr'
    assert resolve_mode(identity_refiner, mask, 'lr') == 'lr'
    with pytest.raises(ValueError, match='mode must be one of'):
        resolve_mode(identity_refiner, mask, 'x')
