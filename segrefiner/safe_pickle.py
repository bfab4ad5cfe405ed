"""Reading ``.pth`` files as data: a restricted unpickler for ``torch.load``.

A pickle is a program: every ``GLOBAL`` it names is imported and may be
called. This unpickler hands the program only three kinds of globals, so
reading a checkpoint never runs code from it:

* **Rebuilt**: tensors and parameters (``torch._utils._rebuild_*``, through
  wrappers that drop backward hooks), ``torch.Size``/``device``/dtypes/
  layouts/memory formats, ``collections.OrderedDict``, the builtin data types
  (``int``, ``str``, ``set``, ``bytes`` via ``_codecs.encode``, ...), numpy
  dtypes, scalars and arrays (numpy's own ``scalar``/``_reconstruct`` with
  their arguments checked; object arrays hold only objects this unpickler
  made), and mmengine's ``HistoryBuffer`` (its data fields only; the
  ``getattr(HistoryBuffer, 'mean')``-style statistics its pickle names are
  not looked up, and its class-wide statistics registry is left alone).
* **Inert placeholders**: any other global of the libraries whose objects
  sit in a checkpoint's bookkeeping (``torch``, ``numpy``, ``collections``,
  mmengine, mmcv, mmdet, mmseg, segrefiner) becomes an
  :class:`UnresolvedGlobal` subclass. Calling it (``REDUCE``, ``NEWOBJ``)
  only records the arguments; the real global is never imported or called.
* **Refused**: every other global (``os.system``, ``builtins.eval``,
  ``subprocess``, any other package), and a rebuilt one given arguments it
  does not take: :class:`UnsafeCheckpointError`, naming the file and the
  global, before anything of it runs.

Only the file's explicit opt-in, ``trust_checkpoint=True`` in the callers,
uses plain ``torch.load(weights_only=False)``.

The tensor data of torch's zip format is read by torch's own
``persistent_load`` (``torch/serialization.py``, ``_load``), which this
module plugs into as the ``pickle_module`` of ``torch.load``; TorchScript
archives (which ``torch.load`` would hand to ``torch.jit.load``) are refused
first. Sources: Python's ``pickle`` and ``_compat_pickle``,
``torch/_weights_only_unpickler.py`` (the same idea with a fixed allowlist
and no placeholders), numpy's ``_core/multiarray.py`` pickling helpers.
"""
import _compat_pickle
import collections
import functools
import os
import pickle
import types
import zipfile
from typing import Any, Callable, Dict, Tuple

import numpy as np
import torch

#: Modules whose other globals become inert placeholders (prefix match).
PLACEHOLDER_MODULES = ('torch', 'numpy', 'collections', 'mmengine', 'mmcv',
                       'mmdet', 'mmseg', 'segrefiner')
NUMPY_CORE = ('numpy.core.multiarray', 'numpy._core.multiarray')
_MULTIARRAY = (np._core if hasattr(np, '_core') else np.core).multiarray


class UnsafeCheckpointError(pickle.UnpicklingError, RuntimeError):
    """A checkpoint's pickle names a global that is code, not data."""


class UnresolvedGlobal:
    """An inert stand-in for a global that was not rebuilt.

    Subclasses carry ``global_name`` (``'module.name'``); an instance keeps
    what pickle passed it (``args``, ``kwargs``, ``state``, ``items``) and
    does nothing else.
    """
    global_name = '?'

    def __new__(cls, *args, **kwargs):
        self = object.__new__(cls)
        self.__dict__.update(args=args, kwargs=kwargs, state=None, items=[])
        return self

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        self.__dict__['state'] = state

    def __setitem__(self, key: Any, value: Any) -> None:
        self.items.append((key, value))

    def append(self, value: Any) -> None:
        self.items.append(value)

    def extend(self, values) -> None:
        self.items.extend(values)

    def __repr__(self) -> str:
        return f'<not loaded: {self.global_name}>'


def _rebuild_tensor_v2(storage,
                       offset,
                       size,
                       stride,
                       requires_grad=False,
                       backward_hooks=None,
                       metadata=None):
    if not isinstance(storage, (torch.TypedStorage, torch.UntypedStorage)):
        raise UnsafeCheckpointError('a tensor without tensor storage')
    return torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
                                           bool(requires_grad),
                                           collections.OrderedDict(), metadata)


def _rebuild_tensor(storage, offset, size, stride):
    return _rebuild_tensor_v2(storage, offset, size, stride)


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    if not isinstance(data, torch.Tensor):
        raise UnsafeCheckpointError('a parameter without tensor data')
    return torch.nn.Parameter(data, bool(requires_grad))


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in TENSOR_BUILDERS or new_type not in (torch.Tensor,
                                                       torch.nn.Parameter):
        raise UnsafeCheckpointError(f'a tensor of type {new_type!r}')
    return func(*args)


TENSOR_BUILDERS = (_rebuild_tensor_v2, _rebuild_tensor, _rebuild_parameter)


def _numpy_scalar(dtype, data=None):
    if not isinstance(dtype, np.dtype):
        raise UnsafeCheckpointError('a numpy scalar without a dtype')
    if dtype.hasobject:  # numpy's own rule: the item itself, made here
        return data
    if not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise UnsafeCheckpointError('a numpy scalar without its bytes')
    return _MULTIARRAY.scalar(dtype, data)


def _numpy_reconstruct(subtype, shape, dtype_code):
    if subtype is not np.ndarray:
        raise UnsafeCheckpointError(f'a numpy array of type {subtype!r}')
    # numpy pickles (0,) here; BUILD then sets shape, dtype and data
    return np.ndarray.__new__(np.ndarray, (0, ), np.dtype(np.uint8))


def _numpy_dtype(spec, align=False, copy=True):
    if not isinstance(spec, str):
        raise UnsafeCheckpointError('a numpy dtype that is not named')
    return np.dtype(spec, bool(align), bool(copy))


def _codecs_encode(text, encoding='latin1'):
    if not isinstance(text, str) or encoding not in ('latin1', 'latin-1'):
        raise UnsafeCheckpointError('bytes that are not latin-1 text')
    return text.encode('latin1')


def _data_type(kind: type) -> Callable:
    """``kind(*args)`` for a builtin data type, from data arguments only."""

    def build(*args):
        if kind in (bytes, bytearray) and any(
                isinstance(a, int) for a in args):
            raise UnsafeCheckpointError(f'{kind.__name__} of a size')
        return kind(*args)

    return build


def _get_layout(name):
    layouts = {
        str(v): v
        for v in vars(torch).values() if isinstance(v, torch.layout)
    }
    return layouts[name]


HISTORY_FIELDS = ('max_length', '_log_history', '_count_history')
HISTORY_STATISTICS = ('min', 'max', 'current', 'mean')


@functools.lru_cache(maxsize=None)
def _history_buffer():
    """A type for ``NEWOBJ`` whose ``BUILD`` makes a plain ``HistoryBuffer``.

    ``HistoryBuffer.__setstate__`` would merge the pickle's
    ``statistics_methods`` into the class-wide registry; here only the data
    fields are kept and the object then becomes a ``HistoryBuffer``.
    """
    from mmengine.logging import HistoryBuffer

    class HistoryBufferData(HistoryBuffer):

        def __setstate__(self, state) -> None:
            if not isinstance(state, dict):
                raise UnsafeCheckpointError('a HistoryBuffer without state')
            self.__dict__.update({
                k: v
                for k, v in state.items() if k in HISTORY_FIELDS
            })
            self.__class__ = HistoryBuffer

    return HistoryBufferData


def _statistics_getattr(owner, name):
    """``getattr`` as HistoryBuffer pickles use it, and for nothing else."""
    if owner is not _history_buffer() or name not in HISTORY_STATISTICS:
        raise UnsafeCheckpointError(
            f"its pickle asks for 'builtins.getattr' of {owner!r:.60}."
            f'{name!r:.40}, which is code, not checkpoint data')
    return name  # the statistic's name: its method is never looked up


REBUILT: Dict[Tuple[str, str], Callable[[], Any]] = {
    ('torch._utils', '_rebuild_tensor_v2'): lambda: _rebuild_tensor_v2,
    ('torch._utils', '_rebuild_tensor'): lambda: _rebuild_tensor,
    ('torch._utils', '_rebuild_parameter'): lambda: _rebuild_parameter,
    ('torch._utils', '_rebuild_parameter_with_state'):
    lambda: _rebuild_parameter,
    ('torch._tensor', '_rebuild_from_type_v2'): lambda: _rebuild_from_type_v2,
    ('torch', 'Size'): lambda: torch.Size,
    ('torch', 'device'): lambda: torch.device,
    ('torch.serialization', '_get_layout'): lambda: _get_layout,
    ('collections', 'OrderedDict'): lambda: collections.OrderedDict,
    ('_codecs', 'encode'): lambda: _codecs_encode,
    ('numpy', 'dtype'): lambda: _numpy_dtype,
    ('numpy', 'ndarray'): lambda: np.ndarray,
    ('mmengine.logging.history_buffer', 'HistoryBuffer'): _history_buffer,
    ('builtins', 'getattr'): lambda: _statistics_getattr,
}
REBUILT.update({(m, 'scalar'): (lambda: _numpy_scalar) for m in NUMPY_CORE})
REBUILT.update({
    (m, '_reconstruct'): (lambda: _numpy_reconstruct)
    for m in NUMPY_CORE
})
for _kind in (bool, int, float, complex, str, bytes, bytearray, tuple, list,
              dict, set, frozenset, slice, range):
    REBUILT[('builtins', _kind.__name__)] = (lambda k=_kind: _data_type(k))


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose ``find_class`` rebuilds, stands in or
    refuses (module docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.placeholders: Dict[str, type] = {}

    def find_class(self, module: str, name: str) -> Any:
        module, name = _compat_pickle.NAME_MAPPING.get((module, name),
                                                       (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if (module, name) in REBUILT:
            return REBUILT[(module, name)]()
        value = vars(torch).get(name) if module == 'torch' else None
        if isinstance(value, (torch.dtype, torch.layout, torch.memory_format)):
            return value
        full = f'{module}.{name}'
        if module.split('.')[0] in PLACEHOLDER_MODULES:
            if full not in self.placeholders:
                self.placeholders[full] = type(name, (UnresolvedGlobal, ),
                                               dict(global_name=full))
            return self.placeholders[full]
        raise UnsafeCheckpointError(
            f'its pickle asks for the global {full!r}, which is code, not '
            'checkpoint data')


def _load(file, **kwargs) -> Any:
    return RestrictedUnpickler(file, **kwargs).load()


#: The ``pickle_module`` that ``torch.load`` is given.
PICKLE_MODULE = types.SimpleNamespace(__name__=__name__,
                                      Unpickler=RestrictedUnpickler,
                                      load=_load,
                                      UnpicklingError=pickle.UnpicklingError)


def is_torchscript_archive(path: str) -> bool:
    """Whether ``path`` is a TorchScript zip (``torch.jit.save``)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(
            n.split('/', 1)[-1] == 'constants.pkl' for n in archive.namelist())


def restricted_torch_load(path: str, map_location: Any = 'cpu') -> Any:
    """``torch.load`` of ``path`` with :class:`RestrictedUnpickler`.

    Args:
        path: A ``torch.save`` file (zip or legacy format).
        map_location: As in ``torch.load``.

    Returns:
        The unpickled object; unknown library globals are
        :class:`UnresolvedGlobal` instances or subclasses.

    Raises:
        UnsafeCheckpointError: The pickle names a refused global, or the
            file is a TorchScript archive.

    Example:
        >>> torch.save({'w': torch.ones(2)}, '/tmp/w.pth')
        >>> restricted_torch_load('/tmp/w.pth')['w']
        tensor([1., 1.])
    """
    path = os.fspath(path)
    if is_torchscript_archive(path):
        raise UnsafeCheckpointError(
            f'{path}: refused to load: a TorchScript archive (code), not a '
            'checkpoint; load it with torch.jit.load if you trust it')
    try:
        # weights_only=True would replace PICKLE_MODULE by torch's own
        # allowlist (torch refuses both); the restriction is PICKLE_MODULE.
        return torch.load(path,
                          map_location=map_location,
                          pickle_module=PICKLE_MODULE,
                          weights_only=False)
    except UnsafeCheckpointError as exc:
        raise UnsafeCheckpointError(
            f'{path}: refused to load: {exc}. Checkpoints are read as data '
            '(tensors, containers, numbers, numpy values). If you trust this '
            'file and where it came from, load it with trust_checkpoint=True '
            '(--trust-checkpoint in the tools).') from None
