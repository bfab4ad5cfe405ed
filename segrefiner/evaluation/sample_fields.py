"""Reading fields of evaluation data samples, whatever their container.

mmengine's ``Evaluator`` hands metrics plain dicts
(``BaseDataElement.to_dict``), while code calling ``metric.process`` directly
may pass data elements with attributes; arrays may be numpy arrays or torch
tensors on any device. These helpers read both without importing torch.
"""
from typing import Any

import numpy as np

_MISSING = object()


def get_field(sample: Any, key: str, default: Any = _MISSING) -> Any:
    """``sample[key]`` for mappings, else ``getattr(sample, key)``.

    Args:
        sample: A dict or an object with attributes (e.g. ``InstanceData``).
        key: Field name.
        default: Returned when the field is absent; without it a missing
            field raises ``KeyError``.

    Examples:
        >>> get_field({'a': 1}, 'a')
        1
        >>> get_field(object(), 'b', None) is None
        True
    """
    value = sample.get(key, _MISSING) if isinstance(sample, dict) else getattr(
        sample, key, _MISSING)
    if value is _MISSING:
        if default is _MISSING:
            raise KeyError(f'data sample has no field {key!r}')
        return default
    return value


def to_numpy(value: Any) -> np.ndarray:
    """A numpy view of an array-like, moving torch tensors to the CPU first.

    Examples:
        >>> to_numpy([1, 2])
        array([1, 2])
    """
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def to_mask(value: Any) -> np.ndarray:
    """An HxW numpy mask from an HxW or 1xHxW array or tensor.

    Raises:
        ValueError: For any other shape.

    Examples:
        >>> to_mask(np.zeros((1, 2, 3))).shape
        (2, 3)
    """
    mask = to_numpy(value)
    if mask.ndim == 3 and mask.shape[0] == 1:
        mask = mask[0]
    if mask.ndim != 2:
        raise ValueError(
            f'expected an HxW or 1xHxW mask, got shape {mask.shape}')
    return mask
