"""The batch tools on torch's distributed runtime: start, shard, gather.

``tools/refine.py`` and ``tools/test.py`` run as one process or as ``N``
ranks started by ``torchrun`` (``--launcher pytorch``) or Slurm's ``srun``
(``--launcher slurm``); this module is all they know of it (docs/design.md,
"Distributed runs"):

* :func:`init_launcher` creates the process group through mmengine
  (``mmengine.dist.init_dist``: NCCL, one GPU per rank) or, without CUDA,
  with gloo on the CPU (mmengine 0.10.7 selects a CUDA device
  unconditionally);
* :func:`shard` gives this rank ``indices[rank::world]``, the order of
  mmengine's ``DefaultSampler(shuffle=False, round_up=False)``: every input
  exactly once, whatever the number of ranks;
* :func:`gather_to_main` brings every rank's ``(index, ...)`` records to
  rank 0 in input order (``mmengine.dist.all_gather_object``: NCCL has no
  ``gather_object``), so what rank 0
  computes from them is what one process computes.

A rank that raises ends its process with the error; ``torchrun`` then stops
the others and exits non-zero, and every collective has a timeout
(``SEGREFINER_DIST_TIMEOUT`` seconds, default 1800) so that no launcher
waits forever on a rank that died.
"""
import os
from datetime import timedelta
from typing import Any, List, Optional, Sequence, Tuple

import torch
import torch.distributed as torch_dist
from mmengine import dist

__all__ = [
    'LAUNCHERS', 'barrier', 'finish_launcher', 'gather_to_main',
    'init_launcher', 'is_main_process', 'rank_device', 'rank_tag', 'shard',
    'world'
]

#: ``--launcher`` choices (mmengine's names).
LAUNCHERS = ('none', 'pytorch', 'slurm')


def world() -> Tuple[int, int]:
    """``(rank, world size)``; ``(0, 1)`` outside a process group."""
    return dist.get_dist_info()


def rank_tag() -> str:
    """``'rank 1 of 2: '`` in a distributed run, ``''`` in one process:
    what the tools put before an error line, so that it names its rank."""
    rank, size = world()
    return f'rank {rank} of {size}: ' if size > 1 else ''


def is_main_process() -> bool:
    """Whether this is rank 0 (or the only process)."""
    return world()[0] == 0


def _timeout_s() -> float:
    return float(os.environ.get('SEGREFINER_DIST_TIMEOUT', 1800))


def init_launcher(launcher: str, device: str) -> str:
    """Join the process group of ``launcher`` and return this rank's device.

    Args:
        launcher: ``'none'`` (one process: nothing to do), ``'pytorch'``
            (``torchrun``: ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and
            ``MASTER_*`` in the environment) or ``'slurm'`` (``srun``).
        device: The ``--device`` asked for: ``'cuda'`` gives each rank the
            GPU of its local rank and NCCL; ``'cpu'`` gives gloo.

    Returns:
        The device this rank runs on (``'cuda:<local rank>'``, ``'cpu'``).

    Raises:
        ValueError: For an unknown launcher, ``'pytorch'`` without
            torchrun's environment, Slurm without CUDA, or a device index
            with a launcher (each rank takes its own GPU).
    """
    if launcher not in LAUNCHERS:
        raise ValueError(f'--launcher must be one of {LAUNCHERS}, got '
                         f'{launcher!r}')
    if launcher == 'none':
        return device
    cuda = torch.device(device).type == 'cuda'
    if cuda and torch.device(device).index is not None:
        raise ValueError(f'--device {device} with --launcher {launcher}: '
                         'each rank takes the GPU of its local rank; give '
                         '--device cuda')
    if launcher == 'pytorch' and 'RANK' not in os.environ:
        raise ValueError('--launcher pytorch: no RANK in the environment; '
                         'start the tool with torchrun --nproc_per_node N')
    if not torch_dist.is_initialized():
        if cuda:
            dist.init_dist(launcher, backend='nccl', timeout=_timeout_s())
        elif launcher == 'slurm':
            raise ValueError('--launcher slurm runs one GPU per task (NCCL);'
                             ' on CPUs start torchrun under srun with '
                             '--launcher pytorch')
        else:
            torch_dist.init_process_group(
                'gloo', timeout=timedelta(seconds=_timeout_s()))
    return rank_device(device)


def rank_device(device: str) -> str:
    """``device``, with CUDA narrowed to this rank's local GPU."""
    if torch.device(device).type != 'cuda' or not torch_dist.is_initialized():
        return device
    return f'cuda:{int(os.environ.get("LOCAL_RANK", 0))}'


def shard(count: int) -> range:
    """This rank's share of ``range(count)``: every ``world``-th index."""
    rank, size = world()
    return range(rank, count, size)


def gather_to_main(records: Sequence[Tuple[int, Any]]) -> Optional[List]:
    """Every rank's ``(index, ...)`` records on rank 0, sorted by index.

    Returns:
        The records of all ranks in index order on rank 0 (this rank's own
        when there is one process); ``None`` on the other ranks.
    """
    rank, size = world()
    if size == 1:
        return sorted(records, key=lambda record: record[0])
    parts = dist.all_gather_object(list(records))  # NCCL has no gather
    if rank != 0:
        return None
    return sorted((record for part in parts for record in part),
                  key=lambda record: record[0])


def finish_launcher() -> None:
    """Leave the process group (nothing with one process)."""
    if torch_dist.is_initialized():
        torch_dist.destroy_process_group()


def barrier() -> None:
    """Wait for every rank (nothing with one process)."""
    if world()[1] > 1:
        dist.barrier()
