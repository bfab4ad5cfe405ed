"""Widen a trained SegRefiner UNet to twice its channels, same function.

Usage::

    python tools/widen_unet.py SMALL_CONFIG SMALL_WEIGHTS WIDE_CONFIG OUT \
        [--seed 0]

``WIDE_CONFIG``'s UNet must be ``SMALL_CONFIG``'s with every width doubled
(``model_channels`` x2, same ``channel_mult``, heads and GroupNorm groups).
The wide weights compute the small model's function (checked on random
inputs before writing), so training the wide model starts from what the
small one learned instead of from scratch (Net2WiderNet: Chen, Goodfellow
and Shlens, "Net2Net: Accelerating Learning via Knowledge Transfer", ICLR
2016):

* every doubled channel ``n`` of the wide model copies channel ``n // 2`` of
  the small one (producers: conv and linear outputs, biases, GroupNorm
  affine, the timestep embedding). With the same number of GroupNorm groups
  each wide group holds the copies of one small group, so its statistics
  are unchanged; concatenated skips and the legacy ``[q | k | v]`` head
  slabs keep the ``n // 2`` correspondence too;
* a consumer (the input dimension of a conv or linear) splits each small
  weight between the two copies as ``r`` and ``1 - r``, ``r`` drawn in
  [0.25, 0.75] per weight: the sum is the small weight, and the two copies
  get different gradients, so they do not stay copies (Net2Net adds noise
  for the same purpose);
* in attention the query rows are divided by ``sqrt(2)``: each head's
  ``q . k`` sums twice as many (copied) terms while the softmax scale only
  shrinks by ``sqrt(2)``.

The result is a ``.safetensors`` of the wide refiner's state dict, for
``load_from`` in a training config (``configs/segrefiner/segrefiner_demo_wide.py``).
"""
import argparse
import math
import sys
from typing import List, Optional

import safetensors.torch
import torch
import torch.nn as nn

from segrefiner.apis import init_refiner
from segrefiner.io import atomic_write_bytes
from segrefiner.models.attention import AttentionBlock

CONSUMERS = (nn.Conv1d, nn.Conv2d, nn.Linear)


def widen_tensor(small: torch.Tensor, wide_shape: torch.Size,
                 split_dim: int, generator: torch.Generator) -> torch.Tensor:
    """Copy ``small`` into ``wide_shape``, channel ``n`` from ``n // 2``.

    Dimensions whose size doubled are widened; ``split_dim`` (or -1 for
    none), if widened, is the consumer dimension, whose copies share the
    small weight as ``r`` and ``1 - r``.
    """
    out = small
    for dim, (old, new) in enumerate(zip(small.shape, wide_shape)):
        if new == old:
            continue
        if new != 2 * old:
            raise ValueError(f'dimension {dim}: {old} -> {new} is not a '
                             'doubling')
        out = out.repeat_interleave(2, dim=dim)
        if dim == split_dim:
            half = list(out.shape)
            half[dim] = old
            r = 0.25 + 0.5 * torch.rand(half, generator=generator)
            share = torch.stack([r, 1 - r], dim=dim + 1).flatten(dim, dim + 1)
            out = out * share
    return out


def widen_state_dict(small: nn.Module, wide: nn.Module,
                     seed: int = 0) -> dict:
    """The wide model's state dict computing ``small``'s function."""
    generator = torch.Generator().manual_seed(seed)
    small_state = small.state_dict()
    state = {}
    for prefix, module in wide.named_modules():
        for name, param in module.named_parameters(recurse=False):
            key = f'{prefix}.{name}' if prefix else name
            split = 1 if isinstance(module, CONSUMERS) and name == 'weight' \
                else -1
            value = widen_tensor(small_state[key].float(), param.shape, split,
                                 generator)
            widened = value.shape[0] != small_state[key].shape[0]
            if widened and prefix.endswith('.qkv'):
                value = scale_queries(value, wide, prefix)
            state[key] = value
    for key in wide.state_dict():  # buffers: not widened
        state.setdefault(key, small_state[key])
    return state


def scale_queries(qkv: torch.Tensor, wide: nn.Module,
                  prefix: str) -> torch.Tensor:
    """Divide the query rows of a widened qkv projection by sqrt(2)."""
    block: AttentionBlock = wide.get_submodule(prefix.rsplit('.', 1)[0])
    heads = block.num_heads
    rows = qkv.reshape(heads, 3, -1, *qkv.shape[1:]).clone()
    rows[:, 0] /= math.sqrt(2)
    return rows.reshape(qkv.shape)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('small_config')
    parser.add_argument('small_weights')
    parser.add_argument('wide_config')
    parser.add_argument('out')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    small = init_refiner(args.small_config, args.small_weights)
    wide = init_refiner(args.wide_config, 'random')
    try:
        state = widen_state_dict(small, wide, args.seed)
    except ValueError as exc:
        sys.exit(f'error: {args.wide_config} is not {args.small_config} '
                 f'doubled: {exc}')
    wide.load_state_dict(state, strict=True)
    x = torch.randn(2, 4, 64, 64)
    t = torch.tensor([0, 5])
    with torch.no_grad():
        gap = (small.denoise_model(x, t) - wide.denoise_model(x, t)).abs()
    if gap.max() > 1e-3:
        sys.exit(f'error: the widened model differs by {gap.max():.2e}')
    data = safetensors.torch.save(
        {k: v.contiguous() for k, v in wide.state_dict().items()},
        metadata={'format': 'pt'})
    atomic_write_bytes(args.out, data)
    print(f'wrote {args.out}: {sum(p.numel() for p in wide.parameters())} '
          f'parameters, max output gap {gap.max():.1e}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
