"""protocols/modes.py: one mode rule, one check, one crop box."""
import argparse

import pytest
import torch

from segrefiner.apis.cli import add_mode_arg
from segrefiner.protocols import (MODES, check_mode, crop_boxes,
                                  refine_mask, refine_masks_of_images,
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


@pytest.mark.parametrize('mode', ['lr', 'hr'])
def test_one_image_is_the_many_images_dispatcher(identity_refiner, mode):
    image = torch.randint(0, 255, (3, 96, 128), dtype=torch.uint8)
    mask = torch.zeros(96, 128, dtype=torch.bool)
    mask[20:70, 30:100] = True
    for probs in (False, True):
        one = refine_mask(identity_refiner, image, mask, mode,
                          torch.Generator().manual_seed(0), probs)
        many = refine_masks_of_images(identity_refiner, [image], [mask], mode,
                                      torch.Generator().manual_seed(0),
                                      return_probs=probs)
        assert one.dtype == (torch.float32 if probs else torch.bool)
        assert torch.equal(one, many[0])
