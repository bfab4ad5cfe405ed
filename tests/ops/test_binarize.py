"""The one binarisation rule: variants, scales, numpy and torch alike."""
import numpy as np
import pytest
import torch

from segrefiner.ops import binarize


def test_binarize_rules_differ_on_128():
    values = np.array([0, 127, 128, 129, 255], np.uint8)
    assert binarize(values,
                    '>=128').tolist() == [False, False, True, True, True]
    assert binarize(values,
                    '>128').tolist() == [False, False, False, True, True]


def test_binarize_passes_bool_and_01_through():
    assert binarize(np.array([True, False])).tolist() == [True, False]
    for rule in ('>=128', '>128'):
        assert binarize(np.array([0, 1, 1], np.uint8),
                        rule).tolist() == [False, True, True]
        assert binarize(np.array([0.0, 1.0]), rule).tolist() == [False, True]


def test_binarize_rejects_bad_input():
    with pytest.raises(ValueError, match='rule'):
        binarize(np.zeros(2), '>0.5')
    with pytest.raises(ValueError, match=r'\[0, 65535\]'):
        binarize(np.array([0, 70000]))
    with pytest.raises(ValueError, match=r'\[0, 255\]'):
        binarize(np.array([0.0, 256.0]))
    with pytest.raises(ValueError, match='probabilities'):
        binarize(np.array([0.2, 0.7]), probabilities=False)
    with pytest.raises(ValueError, match='must lie in'):
        binarize(np.array([-1, 1]))


def test_scales_follow_the_data_range():
    assert binarize(np.array([0.2, 0.5, 0.7])).tolist() == [False, True, True]
    assert binarize(np.array([0.2, 0.5, 0.7]), '>128').tolist() == [
        False, False, True]
    levels = np.array([0, 32767, 32768, 65535], np.uint16)
    assert binarize(levels).tolist() == [False, False, True, True]
    assert binarize(levels, '>128').tolist() == [False, False, False, True]
    assert binarize(np.zeros((0, 3), np.uint8)).shape == (0, 3)


def test_tensors_get_the_same_rule_as_arrays():
    for values in ([0, 127, 128, 255], [0.0, 0.4, 0.6, 1.0], [0, 1],
                   [0, 40000]):
        array = np.array(values)
        for rule in ('>=128', '>128'):
            out = binarize(torch.from_numpy(array), rule)
            assert out.dtype == torch.bool
            assert out.tolist() == binarize(array, rule).tolist()
    masks = torch.tensor([[True, False]])
    assert binarize(masks) is not masks and binarize(masks).tolist() == [
        [True, False]]
