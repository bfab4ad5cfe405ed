import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper

from segrefiner.engine import AutocastOptimWrapper


def test_forward_runs_in_bf16_and_the_step_updates_fp32_weights():
    model = nn.Linear(4, 1)
    wrapper = build_optim_wrapper(
        model, dict(type='AutocastOptimWrapper',
                    optimizer=dict(type='SGD', lr=0.1),
                    clip_grad=dict(max_norm=1.0)))
    assert isinstance(wrapper, AutocastOptimWrapper)
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        out = model(torch.ones(2, 4))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().pow(2).mean())
    assert model.weight.dtype == torch.float32
    assert not torch.equal(model.weight, before)
