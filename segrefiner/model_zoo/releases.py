"""Checking a placed weights file, and fetching an official release.

:func:`verify_weights` reads a file as data (never running its pickle),
takes its refiner state dict and compares every key and shape with the
named model, built on torch's ``meta`` device (no memory, no
initialisation). The LR and HR releases have the same architecture, so a
file is known to be *an* official release by its keys and shapes; which of
the two it is, only its name (or a converted file's ``meta``) says.

:func:`fetch_release` is optional: it needs the ``gdown`` package (Google
Drive's confirmation page for large files) and a network, and reports
clearly when either is missing. The download goes to ``NAME.part`` beside
the destination and is renamed only once it verifies.
"""
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import torch
from mmengine.config import Config
from mmengine.registry import MODELS

from ..models import SegRefiner  # noqa: F401  (registers the model)
from ..checkpoints import (describe_state_dict, extract_state_dict,
                           load_checkpoint_file, mismatch_report)
from .named_models import NAMED_MODELS, RELEASES, how_to_get, weights_path


class FetchError(RuntimeError):
    """A release could not be fetched (no ``gdown``, no network, ...)."""


@dataclass
class WeightsReport:
    """What :func:`verify_weights` found.

    Attributes:
        path: The file.
        name: The named model it was checked against.
        container: ``'raw state dict'`` or ``'dict with state_dict'``.
        tensors: Refiner tensors in it (after dropping ignored keys).
        parameters: Their element count.
        ignored: Keys dropped (the official ``loss_texture.*`` constants).
        model: What the tensors are (:func:`describe_state_dict`).
        problem: ``''`` when every key and shape matches, else why not.
        meta: The file's ``meta`` (``converted_from``, ``config``, ...).
    """
    path: str
    name: str
    container: str
    tensors: int
    parameters: int
    ignored: int
    model: str
    problem: str
    meta: Dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problem

    def summary(self) -> str:
        """Several lines for the command line."""
        lines = [
            f'{self.path}: {self.container}, {self.tensors} tensors, '
            f'{self.parameters:,} parameters' +
            (f' ({self.ignored} ignored keys)' if self.ignored else ''),
            f'  holds {self.model}'
        ]
        if self.meta.get('converted_from') or self.meta.get('config'):
            lines.append(f"  converted from {self.meta.get('converted_from')}"
                         f" (config {self.meta.get('config')})")
        if not self.ok:
            return '\n'.join(lines + ['  ' + self.problem])
        lines.append(f'  matches {NAMED_MODELS[self.name].title}: every key '
                     'and shape')
        if self.name in RELEASES:
            lines.append('  (LR and HR share every key and shape: the file '
                         'name says which release it is)')
        return '\n'.join(lines)


def _named_model_on_meta(name: str) -> torch.nn.Module:
    config = NAMED_MODELS[name].config
    cfg = Config.fromfile(config) if isinstance(config,
                                                str) else Config(config)
    with torch.device('meta'):
        return MODELS.build(cfg.model)


def verify_weights(path: str,
                   name: str = 'lr',
                   trust_checkpoint: bool = False) -> WeightsReport:
    """Check that ``path`` holds the weights of the named model.

    Args:
        path: The weights file.
        name: ``'lr'``, ``'hr'`` or ``'demo'``.
        trust_checkpoint: Unpickle without restrictions (trusted files).

    Returns:
        The report; ``report.ok`` when every key and shape matches.

    Raises:
        FileNotFoundError, RuntimeError: The file is missing, unreadable,
            refused (code in its pickle) or holds no state dict.

    Example:
        >>> verify_weights(weights_path('lr')).ok
        True
    """
    ckpt = load_checkpoint_file(path, trust_checkpoint)
    state = extract_state_dict(ckpt, path)
    raw = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    meta = ckpt.get('meta') if isinstance(ckpt, dict) else None
    return WeightsReport(path=os.fspath(path),
                         name=name,
                         container=('dict with state_dict'
                                    if raw is not ckpt else 'raw state dict'),
                         tensors=len(state),
                         parameters=sum(v.numel() for v in state.values()),
                         ignored=len(raw) - len(state),
                         model=describe_state_dict(state),
                         problem=mismatch_report(_named_model_on_meta(name),
                                                 state, path),
                         meta=dict(meta) if isinstance(meta, dict) else {})


def fetch_release(name: str, dest: Optional[str] = None) -> WeightsReport:
    """Download an official release into the cache and verify it.

    Args:
        name: ``'lr'`` or ``'hr'``.
        dest: Destination (default :func:`weights_path`).

    Returns:
        The verified file's report.

    Raises:
        FetchError: ``gdown`` is missing, the download failed (no
            network?) or the file does not verify; the message says how to
            get the file by hand.
    """
    model = NAMED_MODELS[name]
    dest = dest or weights_path(name)
    try:
        import gdown
    except ImportError:
        raise FetchError('fetching needs the optional gdown package '
                         '(pip install gdown); or ' + how_to_get(name))
    part = dest + '.part'
    os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
    try:
        written = gdown.download(id=model.drive_id, output=part, quiet=False)
    except Exception as exc:  # gdown/requests raise many kinds
        written, reason = None, f'{type(exc).__name__}: {exc}'
    else:
        reason = 'no file came back'
    if written is None or not os.path.isfile(part):
        if os.path.exists(part):
            os.remove(part)
        raise FetchError(f'could not fetch {model.url} ({reason}); is there '
                         'a network here? Otherwise ' + how_to_get(name))
    try:
        report = verify_weights(part, name)
    except (OSError, RuntimeError) as exc:
        report, problem = None, str(exc)
    else:
        problem = report.problem
    if problem:
        os.remove(part)
        raise FetchError(f'the downloaded {model.file_name} does not verify:'
                         f' {problem}')
    os.replace(part, dest)
    report.path = dest
    return report
