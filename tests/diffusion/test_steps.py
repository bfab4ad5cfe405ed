"""Fewer reverse steps: the spaced timesteps, the jump's probabilities, the
official loop unchanged at ``steps = T`` and the opt-in early exit."""
import pytest
import torch

from segrefiner.diffusion import (build_schedule, check_timesteps,
                                  p_sample_loop, reverse_step,
                                  spaced_timesteps)

SCHEDULE = build_schedule(
    dict(betas=dict(type='linear', start=0.8, stop=0, num_timesteps=6)))


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_spaced_timesteps_of_the_official_schedule():
    assert [spaced_timesteps(6, k) for k in range(1, 7)] == [
        [5], [5, 0], [5, 3, 0], [5, 3, 2, 0], [5, 4, 3, 1, 0],
        [5, 4, 3, 2, 1, 0]]
    assert spaced_timesteps(12, 4) == [11, 7, 4, 0]
    for bad in (0, 7, True, 2.0):
        with pytest.raises(ValueError, match='steps must be in 1..6'):
            spaced_timesteps(6, bad)
    for bad in ([], [5, 5], [0, 1], [6, 0]):
        with pytest.raises(ValueError, match='strictly decreasing'):
            check_timesteps(bad, 6)


def test_jump_target_is_the_official_prev_for_one_step():
    for t in range(6):
        assert SCHEDULE.jump_target(t, t - 1) == pytest.approx(
            SCHEDULE.betas_cumprod_prev[t], abs=1e-12)
    assert SCHEDULE.jump_target(5, 2) == pytest.approx(0.48)
    assert SCHEDULE.jump_target(3, -1) == 1.0
    with pytest.raises(ValueError, match='-1 <= s < t'):
        SCHEDULE.jump_target(2, 2)


class Fixed:
    """A denoiser of fixed logits; records the batch and timestep of each
    call."""

    def __init__(self, logits):
        self.logits, self.calls = logits, []

    def __call__(self, x, t):
        self.calls.append((x.shape[0], t.tolist()))
        return self.logits[:x.shape[0]]


def test_jumps_compose_the_skipped_steps_exactly():
    # A per-pixel confidence c that stays the same over the steps: a jump
    # t -> s gives the marginal of the steps t, t-1, .., s+1 run one by one
    # (docs/steps.md): c (beta_bar[s] - beta_bar[t]) / (1 - c beta_bar[t]),
    # c * beta_bar[s] from t = T-1.
    logits = torch.randn(1, 1, 8, 8, generator=gen()) * 3
    conf = (2 * logits.sigmoid() - 1).abs()
    images, coarse = torch.zeros(1, 3, 8, 8), torch.zeros(1, 1, 8, 8)
    for full, skipped, land in (([5, 4, 3, 2, 1, 0], [5, 3, 0], -1),
                                ([5, 4, 3, 2, 1, 0], [5], -1),
                                ([5, 4, 3, 2], [5, 2], 1),
                                ([3, 2, 1], [3], 0)):
        _, f_full = p_sample_loop(Fixed(logits), images, coarse, full,
                                  SCHEDULE, gen(), land=land)
        _, f_jump = p_sample_loop(Fixed(logits), images, coarse, skipped,
                                  SCHEDULE, gen(), land=land)
        torch.testing.assert_close(f_jump, f_full, rtol=1e-6, atol=1e-6)
        b_s = 1.0 if land == -1 else SCHEDULE.betas_cumprod[land]
        b_t = SCHEDULE.betas_cumprod[full[0]]
        torch.testing.assert_close(f_jump, conf * (b_s - b_t) /
                                   (1 - conf * b_t), rtol=1e-6, atol=1e-6)


def official_loop(denoise_fn, images, coarse, generator):
    """The official reverse process written out step by step (``p_sample`` and
    ``p_sample_loop`` of the official ``segrefiner_base.py``), drawing its
    uniform noise from ``generator`` in the same order."""
    beta, beta_prev = SCHEDULE.betas_cumprod, SCHEDULE.betas_cumprod_prev
    cur_fine, x = torch.zeros_like(coarse), coarse
    for t in [5, 4, 3, 2, 1, 0]:
        logits = denoise_fn(torch.cat([images, x], 1),
                            torch.full((len(x), ), t))
        conf = 2 * torch.abs(logits.sigmoid() - 0.5)
        p_c2f = conf * (beta_prev[t] - beta[t]) / (1 - conf * beta[t])
        cur_fine = cur_fine + (1 - cur_fine) * p_c2f
        if t == 0:
            x = logits.sigmoid()
        else:
            noise = torch.rand(x.shape, generator=generator)
            fine_map = (noise < cur_fine).float()
            x = (logits >= 0).float() * fine_map + coarse * (1 - fine_map)
    return x, cur_fine


def test_all_steps_are_the_official_loop_bit_for_bit():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(4, 1, 3, padding=1)
    embed = torch.randn(6)

    def denoise(x, t):  # depends on the mask fed and on the timestep
        return conv(x) * 4 + embed[t].reshape(-1, 1, 1, 1)

    images = torch.randn(3, 3, 16, 16)
    coarse = (torch.rand(3, 1, 16, 16) > 0.5).float()
    with torch.no_grad():
        want = official_loop(denoise, images, coarse, gen(7))
        got = p_sample_loop(denoise, images, coarse, spaced_timesteps(6, 6),
                            SCHEDULE, gen(7))
    assert torch.equal(got[0], want[0]) and torch.equal(got[1], want[1])


def test_reverse_step_lands_one_below_by_default():
    logits = torch.randn(1, 1, 4, 4, generator=gen())
    coarse = torch.zeros_like(logits)
    a = reverse_step(logits, coarse, coarse, 3, SCHEDULE, False, gen(1))
    b = reverse_step(logits, coarse, coarse, 3, SCHEDULE, False, gen(1), 2)
    c = reverse_step(logits, coarse, coarse, 3, SCHEDULE, False, gen(1), 0)
    assert torch.equal(a[1], b[1]) and (c[1] >= a[1]).all()
    assert (c[1] > a[1]).any()


def test_early_exit_lets_settled_crops_leave():
    # crop 0 predicts the same mask every step: it leaves after the second;
    # crop 1's prediction flips sign every step: it runs all six.
    base = torch.randn(2, 1, 6, 6, generator=gen()).abs() + 0.5
    sign = [1.0]

    def denoise(x, t):
        sign[0] = -sign[0]
        out = base.clone() if x.shape[0] == 2 else base[1:].clone()
        out[-1] *= sign[0]
        calls.append(x.shape[0])
        return out

    calls = []
    images, coarse = torch.zeros(2, 3, 6, 6), torch.zeros(2, 1, 6, 6)
    out, fine = p_sample_loop(denoise, images, coarse, [5, 4, 3, 2, 1, 0],
                              SCHEDULE, gen(), early_exit=True)
    assert calls == [2, 2, 1, 1, 1, 1]
    torch.testing.assert_close(out[0], base[0].sigmoid())
    torch.testing.assert_close(out[1], (base[1] * sign[0]).sigmoid())
    # crop 0's marginal stopped after timesteps 5 and 4: conf * beta_bar[3]
    conf0 = (2 * base[0].sigmoid() - 1).abs()
    torch.testing.assert_close(fine[0], conf0 * 0.32)
    # every crop settled: two evaluations in all
    calls.clear()
    fixed = Fixed(torch.full((2, 1, 6, 6), 3.0))
    out, _ = p_sample_loop(fixed, images, coarse, [5, 4, 3, 2, 1, 0],
                           SCHEDULE, gen(), early_exit=True)
    assert [c[0] for c in fixed.calls] == [2, 2]
    assert [c[1][0] for c in fixed.calls] == [5, 4]
    torch.testing.assert_close(out, torch.full_like(out, 3.0).sigmoid())


def test_early_exit_off_and_one_step_equal_the_plain_loop():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(4, 1, 3, padding=1)
    images = torch.randn(2, 3, 8, 8)
    coarse = (torch.rand(2, 1, 8, 8) > 0.5).float()
    with torch.no_grad():
        plain = p_sample_loop(lambda x, t: conv(x), images, coarse, [5],
                              SCHEDULE, gen(3))
        exit_ = p_sample_loop(lambda x, t: conv(x), images, coarse, [5],
                              SCHEDULE, gen(3), early_exit=True)
    assert torch.equal(plain[0], exit_[0]) and torch.equal(plain[1],
                                                           exit_[1])


@pytest.mark.parametrize('flips, evaluations', [(2, [1, 1]),
                                                (3, [1] * 6)])
def test_early_exit_tolerates_a_flicker_of_two_per_mille(flips, evaluations):
    # 1,024 pixels: 2 changing (0.2%) settle, 3 do not
    calls, sign = [], [1.0]

    def denoise(x, t):
        sign[0] = -sign[0]
        out = torch.full((1, 1, 32, 32), 3.0)
        out.view(-1)[:flips] *= sign[0]
        calls.append(x.shape[0])
        return out

    p_sample_loop(denoise, torch.zeros(1, 3, 32, 32), torch.zeros(
        1, 1, 32, 32), [5, 4, 3, 2, 1, 0], SCHEDULE, gen(), early_exit=True)
    assert calls == evaluations
