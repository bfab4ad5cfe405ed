import numpy as np
import pytest

from segrefiner.diffusion import build_schedule

OFFICIAL = dict(betas=dict(type='linear', start=0.8, stop=0, num_timesteps=6))


def test_official_schedule_arrays():
    s = build_schedule(OFFICIAL)
    assert s.num_timesteps == 6
    np.testing.assert_allclose(s.betas_cumprod,
                               [0.8, 0.64, 0.48, 0.32, 0.16, 0.0], atol=1e-12)
    np.testing.assert_allclose(s.betas_cumprod_prev,
                               [1.0, 0.8, 0.64, 0.48, 0.32, 0.16], atol=1e-12)
    np.testing.assert_allclose(s.betas, [0.8, 0.8, 0.75, 2 / 3, 0.5, 0.0],
                               atol=1e-12)
    assert s.betas_cumprod.dtype == np.float64


def test_other_lengths_and_unused_keys():
    s = build_schedule(dict(diff_iter=False, betas=dict(
        type='linear', start=0.9, stop=0.0, num_timesteps=12)))
    assert s.num_timesteps == 12
    assert s.betas_cumprod[0] == pytest.approx(0.9)
    assert s.betas_cumprod[-1] == 0.0


@pytest.mark.parametrize('betas,match', [
    (dict(type='cosine', start=0.8, stop=0, num_timesteps=6), 'unsupported'),
    (dict(type='linear', start=0.8, stop=0, num_timesteps=0), '>= 1'),
    (dict(type='linear', start=0.2, stop=0.8, num_timesteps=6), 'stop <='),
])
def test_invalid_schedules_are_refused(betas, match):
    with pytest.raises(ValueError, match=match):
        build_schedule(dict(betas=betas))
