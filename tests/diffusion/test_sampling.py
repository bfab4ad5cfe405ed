import pytest
import torch

from segrefiner.diffusion import (accumulate_fine_probs, build_schedule,
                                  fine_confidence, mix_fine_coarse,
                                  p_sample_loop, q_sample, reverse_step)

SCHEDULE = build_schedule(
    dict(betas=dict(type='linear', start=0.8, stop=0, num_timesteps=6)))


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_confidence_of_logits():
    logits = torch.tensor([0.0, 50.0, -50.0, 2.0])
    conf = fine_confidence(logits)
    torch.testing.assert_close(
        conf, torch.tensor([0.0, 1.0, 1.0, 2 * torch.sigmoid(torch.tensor(
            2.0)).item() - 1]))


def test_marginal_with_full_confidence_follows_the_forward_marginal():
    # confident logits (|l| large: conf == 1): after t=5..0 the fine marginal
    # is 0.16, 0.32, 0.48, 0.64, 0.80, 1.0.
    logits = torch.tensor([[[[40.0, -40.0]]]])
    fine = torch.zeros_like(logits)
    seen = []
    for t in range(5, -1, -1):
        fine = accumulate_fine_probs(fine, logits,
                                     float(SCHEDULE.betas_cumprod[t]),
                                     float(SCHEDULE.betas_cumprod_prev[t]))
        seen.append(fine[0, 0, 0, 0].item())
    assert seen == pytest.approx([0.16, 0.32, 0.48, 0.64, 0.80, 1.0],
                                 abs=1e-6)


def test_marginal_with_half_confidence():
    # constant confidence c gives c * beta_bar_prev: 0.40 after t=1 for c=0.5
    logit = torch.logit(torch.tensor(0.75)).reshape(1, 1, 1, 1)
    fine = torch.zeros_like(logit)
    for t in range(5, 0, -1):
        fine = accumulate_fine_probs(fine, logit,
                                     float(SCHEDULE.betas_cumprod[t]),
                                     float(SCHEDULE.betas_cumprod_prev[t]))
    assert fine.item() == pytest.approx(0.40, abs=1e-6)


def test_fine_pixels_take_prediction_and_coarse_pixels_the_original():
    logits = torch.tensor([[[[3.0, -3.0, 3.0, -3.0]]]])
    coarse = torch.tensor([[[[0.0, 1.0, 1.0, 0.0]]]])
    cur_fine = torch.full_like(logits, 0.5)
    noise = torch.tensor([[[[0.1, 0.2, 0.9, 0.7]]]])  # fine, fine, no, no
    out = mix_fine_coarse(logits, cur_fine, coarse, noise)
    assert out.flatten().tolist() == [1.0, 0.0, 1.0, 0.0]
    # no confidence at all: every pixel keeps its coarse value
    out, fine = reverse_step(torch.zeros_like(logits), torch.zeros_like(
        logits), coarse, 5, SCHEDULE, last=False, generator=gen())
    assert torch.equal(out, coarse) and torch.equal(fine, torch.zeros_like(
        fine))


def test_last_step_returns_sigmoid_of_the_logits():
    logits = torch.randn(2, 1, 5, 5, generator=gen())
    coarse = (torch.rand(2, 1, 5, 5, generator=gen(1)) > 0.5).float()
    out, _ = reverse_step(logits, torch.zeros_like(logits), coarse, 0,
                          SCHEDULE, last=True)
    torch.testing.assert_close(out, logits.sigmoid())


def test_q_sample_extremes_and_rate():
    gt = torch.ones(64, 1, 32, 32)
    coarse = torch.zeros_like(gt)
    at_t5 = q_sample(gt, coarse, torch.full((64, ), 5), SCHEDULE, gen())
    assert at_t5.sum() == 0  # beta_bar = 0: the pure coarse mask
    at_t0 = q_sample(gt, coarse, torch.zeros(64, dtype=torch.long), SCHEDULE,
                     gen())
    assert at_t0.mean().item() == pytest.approx(0.8, abs=0.01)
    mixed = q_sample(gt, coarse, torch.tensor([0, 2] * 32), SCHEDULE, gen())
    assert mixed[0::2].mean().item() == pytest.approx(0.8, abs=0.01)
    assert mixed[1::2].mean().item() == pytest.approx(0.48, abs=0.01)
    # where gt == coarse the corruption changes nothing
    same = q_sample(gt, gt, torch.zeros(64, dtype=torch.long), SCHEDULE)
    assert torch.equal(same, gt)


def test_q_sample_is_deterministic_per_generator():
    gt = torch.ones(2, 1, 16, 16)
    coarse = torch.zeros_like(gt)
    t = torch.tensor([1, 3])
    a = q_sample(gt, coarse, t, SCHEDULE, gen(7))
    b = q_sample(gt, coarse, t, SCHEDULE, gen(7))
    c = q_sample(gt, coarse, t, SCHEDULE, gen(8))
    assert torch.equal(a, b) and not torch.equal(a, c)


class RecordingDenoiser:
    """Returns fixed logits and records what the loop feeds it."""

    def __init__(self, logits):
        self.logits, self.calls = logits, []

    def __call__(self, x, t):
        self.calls.append((x.clone(), t.clone()))
        return self.logits


def test_loop_order_inputs_and_output():
    images = torch.randn(2, 3, 4, 4)
    coarse = torch.zeros(2, 1, 4, 4)
    logits = torch.full((2, 1, 4, 4), 40.0)  # confident foreground
    fn = RecordingDenoiser(logits)
    out, fine = p_sample_loop(fn, images, coarse, [5, 4, 3, 2, 1, 0],
                              SCHEDULE, gen())
    assert [c[1].tolist() for c in fn.calls] == [[t, t] for t in range(5, -1,
                                                                        -1)]
    first_x = fn.calls[0][0]
    assert torch.equal(first_x[:, :3], images)
    assert torch.equal(first_x[:, 3:], coarse)  # starts from the coarse mask
    torch.testing.assert_close(out, logits.sigmoid())
    torch.testing.assert_close(fine, torch.ones_like(fine))
    # the mask fed at later steps mixes prediction (1) and coarse (0)
    later = torch.stack([c[0][:, 3] for c in fn.calls[1:]])
    assert set(later.unique().tolist()) <= {0.0, 1.0}
    assert later[-1].mean() > later[0].mean()


def test_loop_without_last_step_returns_a_binary_mask():
    fn = RecordingDenoiser(torch.full((1, 1, 8, 8), -40.0))
    out, _ = p_sample_loop(fn, torch.zeros(1, 3, 8, 8), torch.ones(
        1, 1, 8, 8), [5, 4], SCHEDULE, gen(), use_last_step=False)
    assert set(out.unique().tolist()) <= {0.0, 1.0}


def test_loop_is_deterministic_per_seed():
    torch.manual_seed(0)
    logits = torch.randn(1, 1, 16, 16)
    images, coarse = torch.zeros(1, 3, 16, 16), torch.zeros(1, 1, 16, 16)

    def run(seed):
        fn = RecordingDenoiser(logits)
        p_sample_loop(fn, images, coarse, list(range(5, -1, -1)), SCHEDULE,
                      gen(seed))
        return torch.stack([c[0] for c in fn.calls])

    assert torch.equal(run(3), run(3))
    assert not torch.equal(run(3), run(4))


def test_prior_seeds_the_marginal_and_empty_timesteps_fail():
    fn = RecordingDenoiser(torch.zeros(1, 1, 2, 2))
    prior = torch.full((1, 1, 2, 2), 0.3)
    _, fine = p_sample_loop(fn, torch.zeros(1, 3, 2, 2), torch.zeros(
        1, 1, 2, 2), [0], SCHEDULE, prior=prior)
    torch.testing.assert_close(fine, prior)  # zero confidence adds nothing
    with pytest.raises(ValueError):
        p_sample_loop(fn, torch.zeros(1, 3, 2, 2), torch.zeros(1, 1, 2, 2),
                      [], SCHEDULE)
