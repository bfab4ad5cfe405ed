"""The refiner state dict of a checkpoint: taking it, checking it, loading it.

The official releases (``segrefiner_lr_latest.pth``, ``segrefiner_hr_latest
.pth``, hosted by MengyuWang826/SegRefiner) are either a raw state dict or a
dict holding it under ``state_dict``; their keys are ``denoise_model.*`` plus
18 fixed Sobel weights under ``loss_texture.*``, which are ignored here.
Project checkpoints (``tools/convert_official_checkpoint.py``, mmengine's
``CheckpointHook``) hold ``state_dict`` and ``meta`` (and, from training,
``optimizer``, ``message_hub``, ``param_schedulers``); ``.safetensors``
files hold the state dict alone. Files are read by :mod:`.reader`.
A mismatch between a file and the model is explained
(:func:`mismatch_report`): counts, the first keys, and the likely cause;
non-finite weights are refused naming the first such tensor.
"""
from collections import OrderedDict
from typing import Any, Dict, List, Mapping

import torch
import torch.nn as nn

from .files import PathLike
from .reader import load_checkpoint_file
IGNORED_PREFIXES = ('loss_texture.', 'loss_mask.')
WRAPPER_PREFIXES = ('module.', )
UNET_CHILDREN = ('input_blocks.', 'middle_block.', 'output_blocks.')
#: UNet sizes by parameter count (tests/test_checkpoint.py rebuilds them).
KNOWN_UNETS = {
    118_604_673: 'the official LR/HR-SegRefiner UNet (118.6M parameters)',
    1_505_153: 'the tiny UNet (1.5M parameters: the demo model, '
    'segrefiner_tiny.py)',
}
SHOWN_KEYS = 3

__all__ = [
    'extract_state_dict', 'check_state_dict', 'check_finite',
    'load_refiner_weights', 'describe_state_dict', 'mismatch_report'
]


def extract_state_dict(ckpt: Any, path: PathLike = '<memory>'
                       ) -> 'OrderedDict[str, torch.Tensor]':
    """The refiner state dict of a loaded checkpoint, in ``denoise_model.*``.

    Accepts a raw state dict or one under ``state_dict``; strips DDP's
    ``module.`` prefix, drops ``loss_texture.*`` and prefixes a bare UNet
    state dict (``input_blocks.*``, ...) with ``denoise_model.``.

    Args:
        ckpt: What :func:`load_checkpoint_file` returned.
        path: Name used in error messages.

    Returns:
        The state dict.

    Raises:
        RuntimeError: No state dict of tensors, naming what was found.
    """
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, Mapping) else None
    if not isinstance(state, Mapping):
        found = type(ckpt).__name__
        raise RuntimeError(
            f'{path}: no state dict of tensors found (expected a raw state '
            f'dict or a dict with "state_dict"; the file holds a {found}): '
            'not a SegRefiner checkpoint')
    odd = {k: v for k, v in state.items() if not isinstance(v, torch.Tensor)}
    if odd:
        key, value = next(iter(odd.items()))
        raise RuntimeError(
            f'{path}: the state dict holds {len(odd)} values that are not '
            f'tensors, e.g. {key!r}: {type(value).__name__}')
    out = OrderedDict()
    for key, value in state.items():
        for prefix in WRAPPER_PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix):]
        if key.startswith(IGNORED_PREFIXES):
            continue
        out[key] = value
    if not any(k.startswith('denoise_model.') for k in out) and any(
            k.startswith(UNET_CHILDREN) for k in out):
        out = OrderedDict(('denoise_model.' + k, v) for k, v in out.items())
    return out


def describe_state_dict(state: Mapping[str, torch.Tensor]) -> str:
    """A one-line description of a refiner state dict's UNet.

    Example:
        >>> describe_state_dict(SegRefiner().state_dict())
        'the official LR/HR-SegRefiner UNet (118.6M parameters)'
    """
    unet = {k: v for k, v in state.items() if k.startswith('denoise_model.')}
    count = sum(v.numel() for v in unet.values())
    if count in KNOWN_UNETS:
        return KNOWN_UNETS[count]
    first = unet.get('denoise_model.input_blocks.0.0.weight')
    channels = f', {first.shape[0]} base channels' if first is not None and (
        first.dim() == 4) else ''
    return (f'a UNet of {len(unet)} tensors ({count:,} parameters'
            f'{channels}), not a released size')


def _shown(keys: List[str]) -> str:
    more = f', ... ({len(keys) - SHOWN_KEYS} more)' if len(
        keys) > SHOWN_KEYS else ''
    return ', '.join(keys[:SHOWN_KEYS]) + more


def _strippable_prefix(unexpected: List[str], missing: List[str]) -> str:
    """A dotted prefix that, removed, turns most unexpected keys into
    missing ones ('' if none does)."""
    wanted = set(missing)

    def fits(key: str, prefix: str) -> bool:
        rest = key[len(prefix):]
        return key.startswith(prefix) and (rest in wanted or
                                           'denoise_model.' + rest in wanted)

    parts = unexpected[0].split('.') if unexpected else []
    for i in range(1, len(parts)):
        prefix = '.'.join(parts[:i]) + '.'
        if 2 * sum(fits(k, prefix) for k in unexpected) > len(unexpected):
            return prefix
    return ''


def _likely_cause(own: Mapping, state: Mapping, missing: List[str],
                  unexpected: List[str], mismatched: List[str]) -> str:
    overlap = len(set(own) & set(state))
    prefix = _strippable_prefix(unexpected, missing)
    if prefix:
        return (f'the keys start with {prefix!r} (the refiner inside a '
                'wrapped or host model?): strip that prefix')
    if overlap < 0.1 * max(len(own), 1):
        heads = sorted({k.split('.')[0] for k in state})[:SHOWN_KEYS]
        return ('not a SegRefiner checkpoint (its keys begin with '
                f'{", ".join(heads) or "nothing"}; a segmentor or detector '
                'checkpoint?)')
    ours, theirs = describe_state_dict(own), describe_state_dict(state)
    differ = len(missing) + len(unexpected) + len(mismatched)
    if ours == theirs or (theirs not in KNOWN_UNETS.values()
                          and differ <= 0.1 * len(own)):
        return ('a few keys differ: a checkpoint of another version, or an '
                'edited or truncated file')
    return (f'the file holds {theirs} but the model is {ours}: use the '
            "config that matches the file (init_refiner('lr'/'hr') for the "
            "official files, 'demo' for the tiny one)")


def mismatch_report(model: nn.Module, state: Mapping[str, torch.Tensor],
                    path: PathLike = '<memory>') -> str:
    """What differs between ``model`` and ``state`` ('' when nothing).

    Counts of missing, unexpected and shape-mismatched keys with the first
    few of each, and the likely cause.
    """
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    mismatched = [
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in own
        if k in state and state[k].shape != own[k].shape
    ]
    if not (missing or unexpected or mismatched):
        return ''
    parts = [f'{path} does not match the model ({type(model).__name__}, '
             f'{len(own)} tensors; the file has {len(state)}):']
    for title, keys in (('missing keys', missing),
                        ('unexpected keys', unexpected),
                        ('shape mismatches', mismatched)):
        if keys:
            parts.append(f'  {title} ({len(keys)}): {_shown(keys)}')
    parts.append('  likely cause: ' + _likely_cause(
        own, state, missing, unexpected, mismatched))
    return '\n'.join(parts)


def check_state_dict(model: nn.Module, state: Mapping[str, torch.Tensor],
                     path: PathLike = '<memory>') -> None:
    """Raise if ``state`` does not match ``model`` key for key and shape.

    Raises:
        RuntimeError: :func:`mismatch_report`, with the checkpoint's name.
    """
    report = mismatch_report(model, state, path)
    if report:
        raise RuntimeError(report)


def check_finite(state: Mapping[str, torch.Tensor],
                 path: PathLike = '<memory>') -> None:
    """Raise naming the first floating tensor with a NaN or infinity.

    Call after :func:`check_state_dict`, so that every tensor has the
    model's shape. A tensor whose sum is finite is; only a non-finite sum
    (a NaN or infinity, or a float32 overflow) is counted element-wise
    (0.12 s for the 118.6M-parameter model on one core, against 1.3 s for
    ``isfinite`` on every tensor).

    Raises:
        RuntimeError: Naming the file, the tensor and the count.
    """
    for key, value in state.items():
        # a sum is one pass without a mask: NaN and infinities propagate;
        # only a non-finite sum (or one that overflowed) is looked into
        if not value.is_floating_point() or bool(
                torch.isfinite(value.sum())):
            continue
        bad = int((~torch.isfinite(value)).sum())
        if bad:
            raise RuntimeError(
                f'{path}: tensor {key!r} holds {bad:,} non-finite values '
                f'(NaN or infinity) of {value.numel():,}: a diverged or '
                'damaged checkpoint')


def load_refiner_weights(model: nn.Module, path: PathLike,
                         trust_checkpoint: bool = False) -> Dict[str, Any]:
    """Load official or project weights into a ``SegRefiner``, strictly.

    Args:
        model: The model.
        path: Checkpoint file.
        trust_checkpoint: See :func:`load_checkpoint_file`.

    Returns:
        The checkpoint's ``meta`` dict (empty for official files).

    Example:
        >>> meta = load_refiner_weights(model, 'segrefiner_lr_latest.pth')
    """
    ckpt = load_checkpoint_file(path, trust_checkpoint)
    state = extract_state_dict(ckpt, path)
    check_state_dict(model, state, path)
    check_finite(state, path)
    model.load_state_dict(state, strict=True)
    meta = ckpt.get('meta') if isinstance(ckpt, Mapping) else None
    return dict(meta) if isinstance(meta, Mapping) else {}
