"""The globals a checkpoint or result pickle may name, and why.

Loading is torch's weights-only unpickler (``torch.load(weights_only=True)``,
``torch/_weights_only_unpickler.py``): it decides which opcodes run and
calls only allowlisted globals. Its default allowlist also holds globals
that allocate from an argument (``bytearray(n)``, ``torch.Tensor(n)``, the
legacy tensor classes, sparse/nested/quantized rebuilds), which no file of
ours needs; so the pickle's globals (torch's own scan,
``get_globals_in_pkl``) must all be in :data:`PERMITTED` first, and only
then does torch unpickle it. ``docs/checkpoints.md`` says which file needs
which name.

numpy values and mmengine's ``HistoryBuffer`` are not in torch's defaults;
torch's documented way to allow them (``add_safe_globals([np.ndarray,
np.dtype, ...])``) would let a pickle *call* ``np.ndarray(shape,
dtype('O'), buffer=...)`` (objects over raw bytes) or ``BUILD`` a dtype
with object flags. They are therefore allowed under their pickle names as
the checked stand-ins below, which take numpy's own pickle arguments
(``numpy/_core/multiarray.py`` ``_reconstruct``/``scalar``, ``dtype``'s
``__reduce__``/``__setstate__``) and build only plain, non-object values.
"""
import math
from typing import Any, Dict, Optional, Set

import numpy as np
import torch

from .errors import UnsafeCheckpointError

NUMPY_CORE = ('numpy.core.multiarray', 'numpy._core.multiarray')
#: numpy kinds read: booleans, integers, floats, complex, bytes, text.
NUMPY_KINDS = 'biufcSU'
HISTORY_FIELDS = ('max_length', '_log_history', '_count_history')
HISTORY_STATISTICS = ('min', 'max', 'current', 'mean')

__all__ = ['PERMITTED', 'safe_globals', 'plain', 'STORAGE_NAMES']


def _refuse(what: str) -> UnsafeCheckpointError:
    return UnsafeCheckpointError(f'{what}, which is not plain data')


class NumpyArrayType:
    """What ``numpy.ndarray`` means in a pickle: only the first argument of
    ``_reconstruct``; it cannot be called or instantiated."""

    def __new__(cls, *args, **kwargs):
        raise _refuse('its pickle calls numpy.ndarray')


class DtypeState:
    """A numpy dtype as pickled: ``dtype(spec, align, copy)`` then
    ``BUILD (version, byteorder, ...)``; only the byte order is taken."""

    def __init__(self, spec: Any, align: Any = False, copy: Any = True):
        if not isinstance(spec, str):
            raise _refuse('a numpy dtype that is not named')
        self.spec, self.byteorder, self.itemsize = spec, '=', None

    def __setstate__(self, state: Any) -> None:
        if not (isinstance(state, tuple) and len(state) >= 6
                and state[1] in ('<', '>', '|', '=')
                and state[2:5] == (None, None, None)):  # no subarray, fields
            raise _refuse(f'a numpy dtype state {state!r:.60}')
        self.byteorder = state[1]
        self.itemsize = state[5] if isinstance(state[5], int) else None

    def dtype(self) -> np.dtype:
        """The real dtype: a plain kind of :data:`NUMPY_KINDS`, no fields."""
        try:
            kind = np.dtype(self.spec)
        except TypeError:
            raise _refuse(f'a numpy dtype {self.spec!r:.40}') from None
        if kind.kind not in NUMPY_KINDS or kind.fields or kind.subdtype:
            raise _refuse(f'a numpy dtype {self.spec!r:.40}')
        if kind.kind in 'SU' and self.itemsize and self.itemsize > 0:
            kind = np.dtype((kind.type, self.itemsize //
                             (4 if kind.kind == 'U' else 1)))
        return (kind.newbyteorder(self.byteorder)
                if self.byteorder in '<>' else kind)


class ArrayState:
    """A numpy array as pickled: ``_reconstruct(ndarray, (0,), b'b')`` then
    ``BUILD (version, shape, dtype, fortran, bytes)``; the bytes must be
    exactly the array's (numpy copies them into a fresh array)."""

    def __init__(self) -> None:
        self.array = None

    def __setstate__(self, state: Any) -> None:
        if not (isinstance(state, tuple) and len(state) == 5):
            raise _refuse('a numpy array state of another form')
        _, shape, dtype, fortran, data = state
        if not isinstance(dtype, DtypeState) or not (isinstance(
                shape, tuple) and all(
                    isinstance(n, int) and n >= 0 for n in shape)):
            raise _refuse('a numpy array without a plain dtype and shape')
        kind = dtype.dtype()
        if not isinstance(data, bytes) or len(
                data) != math.prod(shape) * kind.itemsize:
            raise _refuse('a numpy array whose bytes do not fit its shape')
        self.array = np.frombuffer(data, kind).reshape(
            shape, order='F' if fortran else 'C').copy()


def _reconstruct(subtype: Any, shape: Any, code: Any) -> ArrayState:
    if subtype is not NumpyArrayType:
        raise _refuse(f'a numpy array of type {subtype!r:.60}')
    return ArrayState()


def _scalar(dtype: Any, data: Any = None) -> np.generic:
    if not isinstance(dtype, DtypeState):
        raise _refuse('a numpy scalar without a dtype')
    kind = dtype.dtype()
    if not isinstance(data, bytes) or len(data) != kind.itemsize:
        raise _refuse('a numpy scalar without its bytes')
    return np.frombuffer(data, kind)[0]


class HistoryBufferState:
    """mmengine's ``HistoryBuffer`` as pickled (``NEWOBJ`` then ``BUILD``):
    its data fields only, then the object becomes a plain ``HistoryBuffer``.
    ``HistoryBuffer.__setstate__`` would merge the pickle's statistics
    methods into a registry shared by the class."""

    def __setstate__(self, state: Any) -> None:
        from mmengine.logging import HistoryBuffer
        if not isinstance(state, dict):
            raise _refuse('a HistoryBuffer without state')
        fields = {k: plain(state[k]) for k in HISTORY_FIELDS if k in state}
        if not (isinstance(fields.get('max_length'), int) and all(
                isinstance(fields.get(k), np.ndarray) and fields[k].ndim == 1
                for k in HISTORY_FIELDS[1:])):
            raise _refuse('a HistoryBuffer whose fields are not plain')
        self.__dict__.update(fields)
        self.__class__ = HistoryBuffer
        self._set_default_statistics()  # mmengine's own four, by name


def _statistic(owner: Any, name: Any) -> str:
    """``getattr`` as HistoryBuffer pickles use it (its statistics
    methods, by name), and for nothing else: the name, never the method."""
    if owner is not HistoryBufferState or name not in HISTORY_STATISTICS:
        raise UnsafeCheckpointError(
            f"its pickle calls 'builtins.getattr' on {owner!r:.60}, "
            f'{name!r:.40}, which is code, not checkpoint data')
    return name


def _stand_ins() -> Dict[str, Any]:
    found = {'numpy.ndarray': NumpyArrayType, 'numpy.dtype': DtypeState,
             'mmengine.logging.history_buffer.HistoryBuffer':
             HistoryBufferState, 'builtins.getattr': _statistic}
    for module in NUMPY_CORE:
        found[f'{module}._reconstruct'] = _reconstruct
        found[f'{module}.scalar'] = _scalar
    # BUILD targets; a pickle naming them gets these same checked classes
    for kind in (ArrayState, ):
        found[f'{__name__}.{kind.__name__}'] = kind
    return found


STAND_INS = _stand_ins()
#: Storage types in the persistent ids of tensors (``torch.FloatStorage``).
STORAGE_NAMES = frozenset(
    f'torch.{t.__name__}' for t in torch._storage_classes
    if t.__module__ == 'torch' and t.__name__.endswith('Storage'))
#: What torch's default allowlist gives that our files need.
TORCH_NAMES = frozenset({
    'torch._utils._rebuild_tensor_v2',  # every tensor of torch.save
    'torch._utils._rebuild_parameter',  # nn.Parameter (model.parameters())
    'collections.OrderedDict',  # state dicts
    '_codecs.encode',  # bytes in pickle protocol 2 (numpy data, RLE counts)
    'torch.Size', 'torch.device',  # shapes and devices in bookkeeping
} | {str(t) for t in (torch.float16, torch.bfloat16, torch.float32,
                      torch.float64, torch.int64, torch.int32, torch.uint8,
                      torch.bool)})  # dtypes kept in bookkeeping
#: Every global a checkpoint pickle may name.
PERMITTED = TORCH_NAMES | STORAGE_NAMES | frozenset(STAND_INS)


def safe_globals() -> list:
    """The ``(object, name)`` pairs of ``torch.serialization.safe_globals``."""
    return [(value, name) for name, value in STAND_INS.items()]


def plain(value: Any, seen: Optional[Set[int]] = None) -> Any:
    """``value`` with the stand-ins replaced by the numpy values they hold
    (dicts and lists in place, tuples rebuilt where something changed)."""
    if isinstance(value, ArrayState):
        return value.array
    if isinstance(value, DtypeState):
        return value.dtype()
    seen = set() if seen is None else seen
    if not isinstance(value, (dict, list, tuple)) or id(value) in seen:
        return value
    seen.add(id(value))
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = plain(item, seen)
        return value
    if isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = plain(item, seen)
        return value
    items = tuple(plain(item, seen) for item in value)
    return items if any(a is not b for a, b in zip(items, value)) else value


#: What a refusal of a checkpoint suggests.
CHECKPOINT_REMEDY = (
    'If you trust this file and where it came from, convert it once with '
    'tools/convert_official_checkpoint.py SRC DST --trust-checkpoint, or load '
    'it with trust_checkpoint=True (--trust-checkpoint in the tools).')


def check_permitted(names: Any, path: str, what: str = 'checkpoint data',
                    remedy: str = CHECKPOINT_REMEDY) -> None:
    """Raise naming the first global of ``names`` outside :data:`PERMITTED`
    (``what`` the file should hold, and the ``remedy``, in the message)."""
    refused = sorted(set(names) - PERMITTED)
    if refused:
        raise UnsafeCheckpointError(
            f'{path}: refused to load: its pickle names the global '
            f'{refused[0]!r}' + (f' (and {len(refused) - 1} more)' if len(
                refused) > 1 else '') + f', which is not plain {what}. '
            + remedy)

