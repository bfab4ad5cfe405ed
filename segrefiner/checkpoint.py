"""Loading official SegRefiner and project checkpoints.

The official releases (``segrefiner_lr_latest.pth``, ``segrefiner_hr_latest
.pth``, hosted by MengyuWang826/SegRefiner) are either a raw state dict or a
dict holding it under ``state_dict``; their keys are ``denoise_model.*`` plus
18 fixed Sobel weights under ``loss_texture.*``, which are ignored here.
Project checkpoints (``tools/convert_official_checkpoint.py``, mmengine's
``CheckpointHook``) hold ``state_dict`` and ``meta``.

torch >= 2.6 loads with ``weights_only=True`` by default. State-dict-only
files load that way; full mmengine training checkpoints (numpy scalars,
``HistoryBuffer`` in ``message_hub``) cannot, so for those a second attempt
with ``weights_only=False`` is made with a warning: a checkpoint is trusted
like code. No environment variable is involved.
"""
import os
import pickle
import warnings
from collections import OrderedDict
from typing import Any, Dict, Mapping, Union

import torch
import torch.nn as nn

PathLike = Union[str, os.PathLike]
IGNORED_PREFIXES = ('loss_texture.', 'loss_mask.')
WRAPPER_PREFIXES = ('module.', )


def load_checkpoint_file(path: PathLike) -> Any:
    """``torch.load`` a trusted checkpoint on CPU under torch 2.6+ defaults.

    Args:
        path: File to read.

    Returns:
        The unpickled object.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        RuntimeError: The file is not a readable torch checkpoint.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as exc:
        if 'Weights only load failed' not in str(exc):
            raise _unreadable(path, exc) from exc
        warnings.warn(f'{path}: not loadable with weights_only=True (a full '
                      'training checkpoint); loading it as a trusted file')
    except Exception as exc:  # zip/EOF errors of truncated files
        raise _unreadable(path, exc) from exc
    try:
        return torch.load(path, map_location='cpu', weights_only=False)
    except Exception as exc:
        raise _unreadable(path, exc) from exc


def _unreadable(path: str, exc: BaseException) -> RuntimeError:
    return RuntimeError(f'{path}: not a readable torch checkpoint '
                        f'({type(exc).__name__}: {exc})')


def extract_state_dict(ckpt: Any, path: PathLike = '<memory>'
                       ) -> 'OrderedDict[str, torch.Tensor]':
    """The refiner state dict of a loaded checkpoint, in ``denoise_model.*``.

    Accepts a raw state dict or one under ``state_dict``; strips DDP's
    ``module.`` prefix, drops ``loss_texture.*`` and prefixes a bare UNet
    state dict with ``denoise_model.``.

    Args:
        ckpt: What :func:`load_checkpoint_file` returned.
        path: Name used in error messages.

    Returns:
        The state dict.
    """
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, Mapping) else None
    if not isinstance(state, Mapping) or not all(
            isinstance(v, torch.Tensor) for v in state.values()):
        raise RuntimeError(f'{path}: no state dict of tensors found (expected '
                           'a raw state dict or a dict with "state_dict")')
    out = OrderedDict()
    for key, value in state.items():
        for prefix in WRAPPER_PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix):]
        if key.startswith(IGNORED_PREFIXES):
            continue
        out[key] = value
    if out and not any(k.startswith('denoise_model.') for k in out):
        out = OrderedDict(('denoise_model.' + k, v) for k, v in out.items())
    return out


def check_state_dict(model: nn.Module, state: Mapping[str, torch.Tensor],
                     path: PathLike = '<memory>') -> None:
    """Raise if ``state`` does not match ``model`` key for key and shape.

    Raises:
        RuntimeError: Listing missing keys, unexpected keys and shape
            mismatches, with the checkpoint's name.
    """
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    mismatched = [
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in own
        if k in state and state[k].shape != own[k].shape
    ]
    if missing or unexpected or mismatched:
        parts = [f'{path} does not match the model ({type(model).__name__}):']
        for title, keys in (('missing keys', missing),
                            ('unexpected keys', unexpected),
                            ('shape mismatches', mismatched)):
            if keys:
                parts.append(f'  {title} ({len(keys)}): ' + ', '.join(keys))
        raise RuntimeError('\n'.join(parts))


def load_refiner_weights(model: nn.Module, path: PathLike) -> Dict[str, Any]:
    """Load official or project weights into a ``SegRefiner``, strictly.

    Args:
        model: The model.
        path: Checkpoint file.

    Returns:
        The checkpoint's ``meta`` dict (empty for official files).
    """
    ckpt = load_checkpoint_file(path)
    state = extract_state_dict(ckpt, path)
    check_state_dict(model, state, path)
    model.load_state_dict(state, strict=True)
    meta = ckpt.get('meta') if isinstance(ckpt, Mapping) else None
    return dict(meta) if isinstance(meta, Mapping) else {}
