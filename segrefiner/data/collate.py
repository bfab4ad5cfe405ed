"""Collate samples that may carry several views (HR object crop and patch).

The official HR model trains on one object crop and one patch per sample, both
in the same batch.
:class:`~segrefiner.data.PackRefinerInputs` packs such a sample as lists of
views; this collate function flattens them so the batch holds every view as a
sample of its own, then defers to mmengine's ``pseudo_collate``. Use it with
``collate_fn=dict(type='refiner_collate')``.

A config that inherits a package config (``_base_ =
['segrefiner::segrefiner/segrefiner_lr.py']``) gets ``_scope_='segrefiner'``
in every dict of the base that has a ``type``, ``collate_fn`` included
(mmengine 0.10.7 ``Config._dict_to_config_dict``), and
``Runner.build_dataloader`` binds every key of ``collate_fn`` but ``type``
to the function with ``functools.partial``; the function therefore takes
``_scope_`` and ignores it (it builds nothing, so no scope applies).
"""
from typing import Any, Optional, Sequence

from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS

__all__ = ['refiner_collate']


@FUNCTIONS.register_module()
def refiner_collate(data_batch: Sequence[dict],
                    _scope_: Optional[str] = None) -> Any:
    """``pseudo_collate`` after splitting multi-view samples into their views.

    Args:
        data_batch: Packed samples, ``dict(inputs, data_samples)`` each, where
            both are either one item or equally long lists of views.
        _scope_: The config scope mmengine passes on from a cross-package
            base (see the module docstring); ignored.

    Returns:
        ``dict(inputs=[...], data_samples=[...])`` with one entry per view.

    Examples:
        >>> batch = refiner_collate([
        ...     dict(inputs=[1, 2], data_samples=['a', 'b']),
        ...     dict(inputs=3, data_samples='c')])
        >>> batch['inputs'], batch['data_samples']
        ([1, 2, 3], ['a', 'b', 'c'])
    """
    flat = []
    for item in data_batch:
        if isinstance(item['inputs'], list):
            flat.extend(
                dict(item, inputs=inputs, data_samples=sample) for inputs,
                sample in zip(item['inputs'], item['data_samples']))
        else:
            flat.append(item)
    return pseudo_collate(flat)
