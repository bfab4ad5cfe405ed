"""Write a checkpoint's weights as a plain state dict (``weights_only``-safe).

Usage::

    python tools/export_weights.py CONFIG CHECKPOINT OUT.pth

Used to embed the demo model (``segrefiner/model_zoo/demo.pth``) from a
training checkpoint: the weights are checked by a strict load into CONFIG's
model, then saved without optimizer state or ``meta``, atomically.
"""
import argparse
import io
import os
import sys

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
    except (FileNotFoundError, RuntimeError) as exc:
        sys.exit(f'error: {exc}')
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    atomic_write_bytes(args.out, buffer.getvalue())
    print(f'wrote {args.out} ({os.path.getsize(args.out) / 2**20:.1f} MiB)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
