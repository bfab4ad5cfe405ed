"""One fused CUDA kernel (Triton) for the reverse step's sampling work.

:func:`segrefiner.diffusion.sampling.reverse_step` in plain torch launches a
kernel per elementwise op (sigmoid, confidence, transition probability,
marginal update, uniform draw, comparison, mix). On CUDA, with Triton
available, :func:`fused_reverse_step` does all of it in one pass over the
pixels: it reads the logits, the marginal and the coarse mask once and
writes the next mask and the marginal once. The uniform draw is Triton's
Philox ``tl.rand`` keyed by a seed drawn *on the device* from the caller's
generator, so the loop stays free of host synchronisation and a seeded call
is reproducible on the same device. The torch twin computes the same
function for the same uniform draw; only the random stream differs.
``tests/diffusion/test_fused_step.py`` checks both, and that the draws
follow the marginal like the twin's over many seeds, with the real kernel:
compiled on CUDA where a GPU exists, and on CPU tensors through Triton's
interpreter (``TRITON_INTERPRET=1``) everywhere Triton is installed.
"""
import functools
import warnings
from typing import Optional, Tuple

import torch

from .step import reverse_step_torch

BLOCK = 1024
_BROKEN = []  # the error of a kernel that failed to build, if any


@functools.lru_cache(maxsize=None)
def _kernel():
    """The jitted kernel, or ``None`` without Triton.

    Imported on first use, not with the package: Triton's libraries are
    large, and mapping them at import time (on CPU-only machines too) costs
    memory and moves the heap (see ``segrefiner.utils.heap``).
    """
    try:  # Triton ships with CUDA builds of torch; CPU installs may lack it.
        import triton
        import triton.language as tl
    except ImportError:  # pragma: no cover - depends on the install
        return None

    @triton.jit
    def reverse_step_kernel(logits_ptr, fine_ptr, coarse_ptr, x_out_ptr,
                            fine_out_ptr, seed_ptr, n, beta_bar,
                            beta_bar_prev, LAST: tl.constexpr,
                            BLOCK_SIZE: tl.constexpr):
        offs = tl.program_id(0) * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
        inside = offs < n
        logit = tl.load(logits_ptr + offs, mask=inside,
                        other=0.0).to(tl.float32)
        fine = tl.load(fine_ptr + offs, mask=inside, other=0.0)
        prob = tl.sigmoid(logit)
        conf = 2.0 * tl.abs(prob - 0.5)
        p_c2f = conf * (beta_bar_prev - beta_bar) / (1.0 - conf * beta_bar)
        fine = fine + (1.0 - fine) * p_c2f
        tl.store(fine_out_ptr + offs, fine, mask=inside)
        if LAST:
            out = prob
        else:
            noise = tl.rand(tl.load(seed_ptr), offs)
            coarse = tl.load(coarse_ptr + offs, mask=inside, other=0.0)
            pred = tl.where(logit >= 0, 1.0, 0.0)
            out = tl.where(noise < fine, pred, coarse)
        tl.store(x_out_ptr + offs, out, mask=inside)

    return reverse_step_kernel


def fused_step_available(tensor: torch.Tensor) -> bool:
    """Whether the fused kernel can run on ``tensor``'s device.

    False after the kernel once failed to compile or launch (an unsupported
    GPU or Triton version): the torch twin then takes over, with a warning.
    Triton is imported only for CUDA tensors.
    """
    return tensor.is_cuda and not _BROKEN and _kernel() is not None


def fused_reverse_step(logits: torch.Tensor,
                       cur_fine: torch.Tensor,
                       coarse: torch.Tensor,
                       beta_bar: float,
                       beta_bar_prev: float,
                       last: bool,
                       generator: Optional[torch.Generator] = None
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
    """The reverse step of :func:`~segrefiner.diffusion.reverse_step` as
    one CUDA kernel; same arguments (schedule values given directly) and
    results, float32."""
    logits = logits.contiguous()
    cur_fine = cur_fine.float().contiguous()
    coarse = coarse.float().contiguous()
    out = torch.empty_like(cur_fine)
    fine_out = torch.empty_like(cur_fine)
    seed = torch.randint(0, 2**31 - 1, (1, ), generator=generator,
                         device=logits.device, dtype=torch.int32)
    n = cur_fine.numel()
    try:
        _kernel()[((n + BLOCK - 1) // BLOCK, )](
            logits, cur_fine, coarse, out, fine_out, seed, n, beta_bar,
            beta_bar_prev, LAST=last, BLOCK_SIZE=BLOCK)
    except Exception as exc:  # compile/launch failure: fall back, say so
        _BROKEN.append(exc)
        warnings.warn(f'fused CUDA reverse step unavailable ({exc!r}); '
                      'using the plain torch step')
        return reverse_step_torch(logits, cur_fine, coarse, beta_bar,
                                  beta_bar_prev, last, generator)
    return out, fine_out
