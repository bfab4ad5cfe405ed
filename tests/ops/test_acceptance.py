"""The per-instance acceptance rule: image evidence, confidence and the size
of the change."""
import torch

from segrefiner.ops.acceptance import (accept_refinement, acceptance_scores,
                                       boundary_strength)


def _step_image(size=32, at=16):
    """A dark left half and a bright right half: one vertical edge."""
    image = torch.zeros(1, 3, size, size)
    image[..., at:] = 255
    return image


def _right_of(column, size=32):
    mask = torch.zeros(1, size, size, dtype=torch.bool)
    mask[0, 4:-4, column:] = True
    return mask


def test_boundary_strength_is_highest_on_the_image_edge():
    image = _step_image()
    on_edge = boundary_strength(image, _right_of(16))
    assert on_edge > boundary_strength(image, _right_of(22))
    assert boundary_strength(image, torch.zeros(1, 32, 32,
                                                dtype=torch.bool)) == 0


def test_a_refinement_off_the_edge_is_rejected_one_onto_it_kept():
    image = _step_image()
    on_edge, off_edge = _right_of(16), _right_of(22)
    # coarse on the edge, refined off it: weaker evidence, rejected
    keep = accept_refinement(image, on_edge, off_edge.float(),
                             min_edge_ratio=0.9)
    assert keep.tolist() == [False]
    # coarse off the edge, refined onto it: kept
    keep = accept_refinement(image, off_edge, on_edge.float(),
                             min_edge_ratio=0.9)
    assert keep.tolist() == [True]
    # no test asked for: everything is kept
    assert accept_refinement(image, on_edge, off_edge.float()).all()


def test_unsure_flips_are_rejected_and_no_change_is_always_kept():
    image = _step_image()
    coarse = _right_of(22)
    probs = _right_of(16).float() * 0.6 + coarse.float() * 0.4
    ratio, confidence, _, changed = acceptance_scores(image, coarse, probs)
    assert changed.tolist() == [True]
    assert abs(float(confidence) - 0.2) < 1e-5  # |2 * 0.6 - 1| on flips
    assert accept_refinement(image, coarse, probs,
                             min_confidence=0.5).tolist() == [False]
    assert accept_refinement(image, coarse, probs,
                             min_confidence=0.1).tolist() == [True]
    same = coarse.float() * 0.51 + 0.0
    assert accept_refinement(image, coarse, same, min_edge_ratio=10.,
                             min_confidence=1.).tolist() == [True]


def test_empty_batch_and_flat_coarse_boundary():
    empty = accept_refinement(torch.zeros(0, 3, 8, 8),
                              torch.zeros(0, 8, 8, dtype=torch.bool),
                              torch.zeros(0, 8, 8), min_edge_ratio=1.)
    assert empty.shape == (0, )
    flat = torch.full((1, 3, 32, 32), 90.)
    ratio, _, _, _ = acceptance_scores(flat, _right_of(16),
                                       _right_of(20).float())
    assert torch.isinf(ratio).all()  # no evidence either way: not rejected


def test_a_nudge_is_rejected_a_repair_kept_by_min_shift():
    image = _step_image()
    coarse = _right_of(16)
    nudge = _right_of(17).float()  # the left side moved by one pixel
    repair = _right_of(22).float()  # moved by six
    _, _, shift, _ = acceptance_scores(image, coarse.expand(2, -1, -1),
                                       torch.cat([nudge, repair]))
    assert shift[1] > 5 * shift[0] > 0
    keep = accept_refinement(image.expand(2, -1, -1, -1),
                             coarse.expand(2, -1, -1),
                             torch.cat([nudge, repair]), min_shift=2.0)
    assert keep.tolist() == [False, True]
    empty = torch.zeros(1, 32, 32, dtype=torch.bool)
    _, _, shift, _ = acceptance_scores(image, empty, nudge)
    assert torch.isinf(shift).all()  # a new object: never "a nudge"


def test_shift_in_image_pixels_with_the_crops_scale():
    image, coarse = _step_image(), _right_of(16)
    moved = _right_of(18).float()  # two crop pixels
    _, _, crop_px, _ = acceptance_scores(image, coarse, moved)
    _, _, image_px, _ = acceptance_scores(image, coarse, moved,
                                          torch.tensor([0.25]))
    assert torch.allclose(image_px, crop_px / 4)
    assert accept_refinement(image, coarse, moved, min_shift=0.5).all()
    assert not accept_refinement(image, coarse, moved, min_shift=0.5,
                                 scale=torch.tensor([0.25])).any()
