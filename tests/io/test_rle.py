"""RLE both ways: compressed, uncompressed (SAM's), polygons."""
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from segrefiner.io import (decode_segmentation, encode_rle,
                           encode_uncompressed_rle)


@pytest.mark.parametrize('shape', [(7, 5), (1, 9), (6, 6)])
def test_round_trips(shape):
    rng = np.random.default_rng(sum(shape))
    for fill in (0.0, 0.3, 1.0):
        mask = rng.random(shape) < fill
        for rle in (encode_rle(mask, True), encode_rle(mask, False),
                    encode_uncompressed_rle(mask)):
            assert np.array_equal(decode_segmentation(rle, *shape), mask)
        assert isinstance(encode_rle(mask, True)['counts'], str)
        assert isinstance(encode_rle(mask, False)['counts'], bytes)


def test_uncompressed_rle_is_segment_anythings():
    """SAM's ``mask_to_rle_pytorch``: column-major runs, zeros first, the
    area the sum of the odd runs (``area_from_rle``)."""
    mask = np.array([[1, 0, 0], [1, 1, 0]], bool)
    rle = encode_uncompressed_rle(mask)
    assert rle == {'size': [2, 3], 'counts': [0, 2, 1, 1, 2]}  # 1 1 0 1 0 0
    assert sum(rle['counts'][1::2]) == mask.sum()
    compressed = mask_utils.frPyObjects(rle, 2, 3)
    assert compressed['counts'] == encode_rle(mask, False)['counts']
