"""Mixed-precision training on any device, bf16 on CPU.

mmengine 0.10.7's ``AmpOptimWrapper`` refuses to run without a GPU (it asserts
CUDA/NPU/MLU/MUSA). bf16 needs no loss scaling, so plain autocast around the
forward is all mixed precision takes on CPU; this wrapper adds just that to
``OptimWrapper``. ``tools/train.py --amp`` picks it on CPU and mmengine's
``AmpOptimWrapper`` (fp16 with dynamic loss scaling) on CUDA.
"""
from contextlib import contextmanager

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under ``torch.autocast``.

    Args:
        dtype: Autocast dtype, ``'bfloat16'`` (default) or ``'float16'``.
        **kwargs: ``OptimWrapper`` arguments (``optimizer``, ``clip_grad``,
            ...).

    Example:
        >>> model = nn.Linear(2, 2)
        >>> wrapper = AutocastOptimWrapper(
        ...     optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
        >>> with wrapper.optim_context(model):
        ...     model(torch.zeros(1, 2)).dtype
        torch.bfloat16
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs) -> None:
        super().__init__(**kwargs)
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model: nn.Module):
        """Gradient-sync context of ``OptimWrapper`` plus autocast."""
        param = next(model.parameters(), None)
        device = param.device.type if param is not None else 'cpu'
        with super().optim_context(model), torch.autocast(
                device, dtype=self.cast_dtype):
            yield
