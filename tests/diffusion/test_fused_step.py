"""The fused Triton reverse step against its torch twin.

The real kernel runs on every machine with Triton: compiled on CUDA where a
GPU exists, and everywhere else on CPU tensors through Triton's interpreter
(``TRITON_INTERPRET=1``). Triton chooses the interpreter when it and a
kernel are imported, so the ``interpreter`` backend calls the kernel in a
spawned worker process started with the variable set; this process (and
every other test) never sees it. In the worker a kernel that fails to run
is an error, not the package's silent fallback to the twin. Skipped only
where Triton is absent.
"""
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import pytest
import torch

from segrefiner.diffusion import (accumulate_fine_probs, build_schedule,
                                  reverse_step_torch)
from segrefiner.diffusion.fused_step import (fused_reverse_step,
                                             fused_step_available)

pytest.importorskip('triton')
SCHEDULE = build_schedule(
    dict(betas=dict(type='linear', start=0.8, stop=0, num_timesteps=6)))
FALLBACK_WARNING = 'fused CUDA reverse step unavailable'


@pytest.fixture(scope='module', params=['interpreter', 'cuda'])
def backend(request):
    """``(kernel, device)``: a call of the real kernel, where tensors live."""
    if request.param == 'cuda':
        if not (torch.cuda.is_available() and
                fused_step_available(torch.zeros(1, device='cuda'))):
            pytest.skip('no CUDA device for the compiled kernel')
        yield fused_reverse_step, 'cuda'
        return
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(
        'spawn'))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv('TRITON_INTERPRET', '1')
        patch.setenv('PYTHONWARNINGS', f'error:{FALLBACK_WARNING}')
        # the worker starts (and imports Triton) with these variables
        assert pool.submit(os.getenv, 'TRITON_INTERPRET').result() == '1'
    with pool:
        yield (lambda *args: pool.submit(fused_reverse_step, *args).result(),
               'cpu')


def test_interpreter_is_scoped_to_the_worker(backend):
    assert os.environ.get('TRITON_INTERPRET') is None


def inputs(device, seed=0, shape=(3, 1, 40, 36)):
    # 4,320 pixels: five blocks of 1,024, the last one partly masked
    g = torch.Generator(device).manual_seed(seed)
    logits = torch.randn(shape, generator=g, device=device) * 4
    fine = torch.rand(shape, generator=g, device=device) * 0.6
    coarse = (torch.rand(shape, generator=g, device=device) > 0.5).float()
    return logits, fine, coarse


@pytest.mark.parametrize('t', [5, 3, 0])
def test_marginal_and_last_step_equal_the_torch_twin(backend, t):
    logits, fine, coarse = inputs(backend[1], t)
    b, bp = float(SCHEDULE.betas_cumprod[t]), float(
        SCHEDULE.betas_cumprod_prev[t])
    ref_fine = accumulate_fine_probs(fine, logits, b, bp)
    out, new_fine = backend[0](logits, fine, coarse, b, bp, True)
    torch.testing.assert_close(new_fine, ref_fine, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(out, logits.sigmoid(), rtol=1e-6, atol=1e-6)
    _, sampled_fine = backend[0](logits, fine, coarse, b, bp, False)
    torch.testing.assert_close(sampled_fine, ref_fine, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize('t, s', [(5, 2), (5, -1), (3, 0)])
def test_jump_probabilities_equal_the_torch_twin(backend, t, s):
    # fewer steps: the kernel takes the jump's beta_bar[s] as beta_bar_prev
    logits, fine, coarse = inputs(backend[1], t)
    b, bs = float(SCHEDULE.betas_cumprod[t]), SCHEDULE.jump_target(t, s)
    ref_fine = accumulate_fine_probs(fine, logits, b, bs)
    _, new_fine = backend[0](logits, fine, coarse, b, bs, False)
    torch.testing.assert_close(new_fine, ref_fine, rtol=1e-6, atol=1e-6)
    assert not torch.allclose(ref_fine, accumulate_fine_probs(
        fine, logits, b, float(SCHEDULE.betas_cumprod_prev[t])))


def test_sampled_mask_takes_the_prediction_on_fine_pixels(backend):
    logits, _, coarse = inputs(backend[1], 1)
    fine = (torch.arange(logits.numel(), device=backend[1]) % 2).float()
    fine = fine.reshape(logits.shape)  # 0: never fine, 1: always fine
    out, _ = backend[0](logits, fine, coarse, 0.0, 0.0, False)
    pred = (logits >= 0).float()
    assert torch.equal(out, torch.where(fine == 1, pred, coarse))


def test_draws_follow_the_marginal_like_the_twin_over_many_seeds(backend):
    # 2,000 pixels (two blocks, the second partly masked) at 8 marginal
    # levels; prediction 1 and coarse 0, so a pixel is 1 iff it is drawn
    # fine. p_c2f = 0 (beta_bar = beta_bar_prev): the marginal stays.
    device, seeds = backend[1], 64
    levels = torch.linspace(0, 1, 8, device=device)
    fine = levels.repeat(250).reshape(1, 1, 40, 50)
    logits, coarse = torch.ones_like(fine), torch.zeros_like(fine)
    draws = {}
    for name in ('kernel', 'twin'):
        hits = []
        for seed in range(seeds):
            g = torch.Generator(device).manual_seed(seed)
            args = (logits, fine, coarse, 0.5, 0.5, False, g)
            out, _ = (backend[0](*args) if name == 'kernel' else
                      reverse_step_torch(*args))
            hits.append(out.flatten().double())
        draws[name] = torch.stack(hits).cpu()  # (seeds, pixels)
    f = fine.flatten().double().cpu()
    inner = (f > 0) & (f < 1)
    by_level = torch.stack([
        torch.stack([d[:, f == lv].mean() for lv in levels.cpu().double()])
        for d in draws.values()])
    sigma = (levels.cpu().double() * (1 - levels.cpu().double()) /
             (seeds * 250)).sqrt()
    for name, d in draws.items():
        assert torch.all(d[:, f == 0] == 0) and torch.all(d[:, f == 1] == 1)
    assert torch.all((by_level - levels.cpu()).abs() <= 5 * sigma + 1e-12)
    assert torch.all((by_level[0] - by_level[1]).abs() <= 7.1 * sigma + 1e-12)
    # Each pixel's count over the seeds is Binomial(seeds, f): a new seed is
    # a new, independent draw at every pixel (a repeated stream would give
    # counts of 0 or 64, a variance ratio near 64).
    for d in draws.values():
        counts = d.sum(0)[inner]
        expected = seeds * f[inner] * (1 - f[inner])
        ratio = ((counts - seeds * f[inner])**2).sum() / expected.sum()
        assert 0.8 < ratio.item() < 1.25
        # neighbouring pixels are not correlated
        resid = (d - f)[:, inner.nonzero().flatten()]
        corr = (resid[:, 1:] * resid[:, :-1]).mean() / resid.var()
        assert abs(corr.item()) < 0.02


def test_seeded_generator_reproduces_the_draw(backend):
    logits, fine, coarse = inputs(backend[1], 2)

    def run(seed):
        g = torch.Generator(backend[1]).manual_seed(seed)
        return backend[0](logits, fine, coarse, 0.48, 0.64, False, g)[0]

    assert torch.equal(run(5), run(5))
    assert not torch.equal(run(5), run(6))
