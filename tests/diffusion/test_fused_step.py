"""The fused CUDA step against its torch twin (skipped without a GPU)."""
import pytest
import torch

from segrefiner.diffusion import accumulate_fine_probs, build_schedule
from segrefiner.diffusion.fused_step import (fused_reverse_step,
                                             fused_step_available)

needs_gpu = pytest.mark.skipif(
    not (torch.cuda.is_available()
         and fused_step_available(torch.zeros(1, device='cuda'))),
    reason='the fused step needs CUDA and Triton')
SCHEDULE = build_schedule(
    dict(betas=dict(type='linear', start=0.8, stop=0, num_timesteps=6)))


def inputs(seed=0, shape=(4, 1, 96, 80)):
    g = torch.Generator('cuda').manual_seed(seed)
    logits = torch.randn(shape, generator=g, device='cuda') * 4
    fine = torch.rand(shape, generator=g, device='cuda') * 0.6
    coarse = (torch.rand(shape, generator=g, device='cuda') > 0.5).float()
    return logits, fine, coarse


@needs_gpu
@pytest.mark.parametrize('t', [5, 3, 0])
def test_marginal_and_last_step_equal_the_torch_twin(t):
    logits, fine, coarse = inputs(t)
    b, bp = float(SCHEDULE.betas_cumprod[t]), float(
        SCHEDULE.betas_cumprod_prev[t])
    ref_fine = accumulate_fine_probs(fine, logits, b, bp)
    out, new_fine = fused_reverse_step(logits, fine, coarse, b, bp, True)
    torch.testing.assert_close(new_fine, ref_fine, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(out, logits.sigmoid(), rtol=1e-6, atol=1e-6)


@needs_gpu
def test_sampled_mask_follows_the_rule_and_the_marginal():
    logits, _, coarse = inputs(1, (8, 1, 256, 256))
    fine = torch.full_like(logits, 0.3)
    fine[:, :, :8] = 0.0  # never fine: coarse values
    fine[:, :, -8:] = 1.0  # always fine: predictions
    b, bp = 0.0, 0.0  # p_c2f = 0: the marginal stays as given
    out, new_fine = fused_reverse_step(logits, fine, coarse, b, bp, False)
    pred = (logits >= 0).float()
    torch.testing.assert_close(new_fine, fine)
    assert torch.equal(out[:, :, :8], coarse[:, :, :8])
    assert torch.equal(out[:, :, -8:], pred[:, :, -8:])
    middle = slice(8, -8)
    differs = pred[:, :, middle] != coarse[:, :, middle]
    took_pred = (out[:, :, middle] == pred[:, :, middle])[differs]
    assert abs(took_pred.float().mean().item() - 0.3) < 0.01


@needs_gpu
def test_seeded_generator_reproduces_the_draw():
    logits, fine, coarse = inputs(2)

    def run(seed):
        g = torch.Generator('cuda').manual_seed(seed)
        return fused_reverse_step(logits, fine, coarse, 0.48, 0.64, False,
                                  g)[0]

    assert torch.equal(run(5), run(5))
    assert not torch.equal(run(5), run(6))
