"""The inference safeguard: a band around the coarse boundary, rejection."""
import cv2
import numpy as np
import pytest
import torch

from segrefiner.ops.safeguard import bound_change, boundary_band


def _square(size=200, lo=40, hi=160):
    m = torch.zeros(1, size, size, dtype=torch.bool)
    m[0, lo:hi, lo:hi] = True
    return m


@pytest.mark.parametrize('band', [0.01, 0.05, 0.2])
def test_band_contains_the_exact_chebyshev_band(band):
    yy, xx = np.mgrid[:200, :240]
    disc = ((yy - 100)**2 + (xx - 110)**2 <= 70**2).astype(np.uint8)
    mask = torch.from_numpy(disc.astype(bool))[None]
    got = boundary_band(mask, band)[0].numpy()
    radius = max(2, int(np.ceil(band * np.sqrt(disc.sum()))))
    kernel = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    exact = cv2.dilate(disc, kernel) > cv2.erode(disc, kernel)
    assert not (exact & ~got).any()  # never narrower than asked
    stride = max(1, radius // 4)
    wide = cv2.dilate(exact.astype(np.uint8), np.ones((4 * stride + 1, ) * 2,
                                                      np.uint8))
    assert not (got & ~wide.astype(bool)).any()  # at most two cells wider


def test_changes_far_from_the_boundary_are_undone():
    coarse = _square()
    refined = coarse.clone()
    refined[0, 90:110, 90:110] = False  # a hole in the middle
    refined[0, 38:40, 60:100] = True  # a 2 px gain at the edge
    out = bound_change(coarse, refined, band=0.05)
    assert out[0, 100, 100]  # the hole is refused
    assert out[0, 38, 80]  # the edge change is kept
    probs = bound_change(coarse, refined.float() * 0.9, band=0.05)
    assert probs.dtype == torch.float32 and probs[0, 100, 100] == 1.0


def test_a_refinement_that_changes_too_much_is_rejected():
    coarse = torch.cat([_square(), _square()])
    refined = coarse.clone()
    refined[0, :, :100] = False  # half the object cut off
    refined[1, 40:42] = False  # a small change
    out = bound_change(coarse, refined, min_iou=0.8)
    assert torch.equal(out[0], coarse[0])
    assert torch.equal(out[1], refined[1])
    assert torch.equal(bound_change(coarse, refined), refined)
    with pytest.raises(ValueError, match='differ'):
        bound_change(coarse[:1], refined)
