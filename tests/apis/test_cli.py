"""segrefiner.apis.cli: the shared command-line vocabulary."""
import argparse

import pytest
import torch

from segrefiner.apis import init_refiner
from segrefiner.apis.cli import (add_inference_args, add_output_arg,
                                 add_seed_arg, check_device,
                                 inference_options_of)


def test_check_device():
    assert check_device('cpu') == 'cpu'
    with pytest.raises(ValueError, match='not a torch device'):
        check_device('gpu0')
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match='CUDA is not available'):
            check_device('cuda:0')


def test_one_destination_for_both_spellings():
    parser = argparse.ArgumentParser()
    add_output_arg(parser, 'output')
    add_seed_arg(parser, many=True)
    assert parser.parse_args(['--out-dir', 'a', '--seed', '1']).out == 'a'
    args = parser.parse_args(['--out', 'b', '--seeds', '1', '2'])
    assert args.out == 'b' and args.seeds == [1, 2]
    assert parser.parse_args([]).seeds == [0]


def test_unet_batch_flag_takes_the_python_values():
    parser = argparse.ArgumentParser()
    add_inference_args(parser)
    model = init_refiner()
    for text, value in (('all', 'all'), ('auto', 'auto'), ('3', 3)):
        args = parser.parse_args(['--unet-batch', text])
        assert inference_options_of(args, model).unet_batch == value
    assert inference_options_of(parser.parse_args([]), model) == (
        model.inference_options())
