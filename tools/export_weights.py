"""Write a checkpoint's weights as a plain state dict (``weights_only``-safe).

Usage::

    python tools/export_weights.py CONFIG CHECKPOINT OUT.pth

Used to embed the demo model (``segrefiner/model_zoo/demo.pth``) from a
training checkpoint: the weights are checked by a strict load into CONFIG's
model, then saved without optimizer state or ``meta``, atomically.
"""
import argparse
import os
import sys

import torch

from segrefiner.apis import init_refiner


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('out')
    args = parser.parse_args()
    try:
        model = init_refiner(args.config, args.checkpoint)
    except (FileNotFoundError, RuntimeError) as exc:
        sys.exit(f'error: {exc}')
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = f'{args.out}.tmp{os.getpid()}'
    try:
        torch.save(model.state_dict(), tmp)
        os.replace(tmp, args.out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print(f'wrote {args.out} ({os.path.getsize(args.out) / 2**20:.1f} MiB)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
