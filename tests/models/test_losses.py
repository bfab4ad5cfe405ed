import math

import numpy as np
import pytest
import torch

from segrefiner.models import SegRefinerMaskLoss, SegRefinerTextureL1Loss


def test_bce_on_hand_computed_values():
    logits = torch.tensor([[[[0.0, 2.0], [-1.0, 3.0]]]])
    target = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]]])
    # -log(sigmoid(z)) for positives, -log(1 - sigmoid(z)) for negatives
    expected = (math.log(2) + math.log(1 + math.exp(2)) +
                math.log(1 + math.exp(-1)) + math.log(1 + math.exp(-3))) / 4
    assert SegRefinerMaskLoss()(logits, target).item() == pytest.approx(
        expected, rel=1e-6)
    assert SegRefinerMaskLoss(loss_weight=2.0)(
        logits, target).item() == pytest.approx(2 * expected, rel=1e-6)


def numpy_texture_magnitude(x, eps=1e-4):
    """Independent loop implementation of avg-pool + Sobel magnitude."""
    h, w = x.shape
    pad = np.pad(x, 1)
    pooled = np.array([[pad[i:i + 3, j:j + 3].sum() / 9 for j in range(w)]
                       for i in range(h)])
    kx = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]]) / 4
    ky = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]]) / 4
    pp = np.pad(pooled, 1)
    gx = np.array([[(pp[i:i + 3, j:j + 3] * kx).sum() for j in range(w)]
                   for i in range(h)])
    gy = np.array([[(pp[i:i + 3, j:j + 3] * ky).sum() for j in range(w)]
                   for i in range(h)])
    return np.sqrt(gx**2 + gy**2 + eps)


def test_texture_loss_matches_an_independent_computation():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(5, 6)) * 3
    target = (rng.random((5, 6)) > 0.5).astype(np.float64)
    pred = 1 / (1 + np.exp(-logits))
    expected = 5 * np.abs(
        numpy_texture_magnitude(pred) -
        numpy_texture_magnitude(target)).mean()
    loss = SegRefinerTextureL1Loss()(
        torch.tensor(logits, dtype=torch.float32)[None, None],
        torch.tensor(target, dtype=torch.float32)[None, None])
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_texture_loss_of_a_hand_made_step_edge():
    # A vertical step: target left column 1, prediction all 0 (sigmoid(-inf)).
    target = torch.zeros(1, 1, 3, 3)
    target[..., 0] = 1
    logits = torch.full((1, 1, 3, 3), -1e4)
    loss = SegRefinerTextureL1Loss(loss_weight=1.0)(logits, target)
    expected = np.abs(numpy_texture_magnitude(target[0, 0].numpy()) -
                      numpy_texture_magnitude(np.zeros((3, 3)))).mean()
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    assert loss.item() > 0.05


def test_texture_loss_zero_when_prediction_equals_target():
    target = torch.zeros(2, 1, 8, 8)
    target[:, :, 2:6, 3:7] = 1
    logits = (target * 2 - 1) * 1e4
    assert SegRefinerTextureL1Loss()(logits, target).item() < 1e-6


def test_sobel_weights_stay_out_of_the_state_dict():
    loss = SegRefinerTextureL1Loss()
    assert dict(loss.state_dict()) == {}
    assert loss.sobel.shape == (2, 1, 3, 3)
