"""Write a checkpoint's weights alone, as ``.safetensors`` (or a ``.pth``).

Usage::

    python tools/export_weights.py CONFIG CHECKPOINT OUT.safetensors

``CHECKPOINT`` is anything ``init_refiner`` loads: a plain state-dict
``.pth``, an mmengine ``CheckpointHook`` file, an official release, a
``.safetensors``. Used to embed the demo model
(``segrefiner/model_zoo/demo.safetensors``) from a training checkpoint: the
weights are checked by a strict load into CONFIG's model (finite values
included), then written without optimizer state or ``meta``, atomically:
a ``.safetensors`` file (tensors only, no pickle) unless ``OUT`` ends in
``.pth`` (a plain state dict, read by ``torch.load(weights_only=True)``).
"""
import argparse
import io
import os
import sys

import safetensors.torch
import torch

from segrefiner.apis import init_refiner
from segrefiner.apis.cli import add_trust_arg
from segrefiner.io import atomic_write_bytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('out')
    add_trust_arg(parser, 'CHECKPOINT')
    args = parser.parse_args()
    try:
        model = init_refiner(args.config,
                             args.checkpoint,
                             trust_checkpoint=args.trust_checkpoint)
    except (OSError, RuntimeError) as exc:
        sys.exit(f'error: {exc}')
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if args.out.endswith('.pth'):
        buffer = io.BytesIO()
        torch.save(state, buffer)
        data = buffer.getvalue()
    else:
        data = safetensors.torch.save(state, metadata={'format': 'pt'})
    atomic_write_bytes(args.out, data)
    print(f'wrote {args.out} ({os.path.getsize(args.out) / 2**20:.1f} MiB)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
