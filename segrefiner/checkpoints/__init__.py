"""Checkpoint files as data: the one home of reading weights.

* :mod:`.files`: open a regular file once, bounded; name what it is.
* :mod:`.gate`: torch's zip reader on that file; TorchScript, legacy,
  compressed records refused before any unpickling.
* :mod:`.allowlist`: the globals a pickle may name, numpy/mmengine
  stand-ins.
* :mod:`.reader`: ``torch.load(weights_only=True)`` (or ``safetensors``) of
  the same file; ``trust_checkpoint`` is the opt-in.
* :mod:`.raw_pickles`: mmdet result pickles, the same way.
* :mod:`.state_dict`: the refiner's state dict, mismatch reports, loading.
* :mod:`.mmengine_loader`: mmengine's ``load_from``/``resume`` through it.

``docs/checkpoints.md`` explains the design and each allowed global.
"""
from .errors import NotACheckpointError, UnsafeCheckpointError
from .mmengine_loader import use_safe_checkpoint_loader
from .raw_pickles import read_pickle_file
from .reader import load_checkpoint_file
from .state_dict import (KNOWN_UNETS, check_finite, check_state_dict,
                         describe_state_dict, extract_state_dict,
                         load_refiner_weights, mismatch_report)

__all__ = [
    'NotACheckpointError', 'UnsafeCheckpointError',
    'use_safe_checkpoint_loader', 'read_pickle_file', 'load_checkpoint_file',
    'KNOWN_UNETS', 'check_finite', 'check_state_dict', 'describe_state_dict',
    'extract_state_dict', 'load_refiner_weights', 'mismatch_report'
]
