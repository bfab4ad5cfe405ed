"""Convert an official SegRefiner release into a project checkpoint.

Usage::

    python tools/convert_official_checkpoint.py segrefiner_hr_latest.pth \
        checkpoints/segrefiner_hr.pth [--config configs/segrefiner/segrefiner_hr.py]

The output holds ``state_dict`` (``denoise_model.*`` only; the official
``loss_texture.*`` Sobel constants are dropped) and ``meta`` (source file,
package version, config), loads with ``torch.load(weights_only=True)`` and is
written atomically.

It is also the one-time conversion of a file the package will not read as
data (a legacy pre-1.6 or tar torch file, one whose pickle names other
globals): with ``--trust-checkpoint`` the input is unpickled without
restrictions (only for a file you trust), and the output is a safe zip
checkpoint that loads everywhere without the flag.
"""
import argparse
import os
import sys

import torch

from segrefiner import __version__
from segrefiner.apis import init_refiner
from segrefiner.apis.cli import add_trust_arg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='output project checkpoint (.pth)')
    parser.add_argument(
        '--config',
        default=os.path.join(ROOT, 'configs/segrefiner/segrefiner_lr.py'),
        help='config the weights belong to (checked by a strict load)')
    add_trust_arg(parser, 'SRC')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if os.path.abspath(args.src) == os.path.abspath(args.dst):
        sys.exit(f'error: {args.dst} would overwrite the input')
    try:
        model = init_refiner(args.config, args.src,
                             trust_checkpoint=args.trust_checkpoint)
    except (OSError, RuntimeError) as exc:
        sys.exit(f'error: {exc}')
    meta = dict(segrefiner_version=__version__,
                converted_from=os.path.basename(args.src),
                config=os.path.relpath(args.config, ROOT)
                if args.config.startswith(ROOT) else args.config)
    os.makedirs(os.path.dirname(os.path.abspath(args.dst)), exist_ok=True)
    tmp = f'{args.dst}.tmp{os.getpid()}'
    try:
        torch.save(dict(meta=meta, state_dict=model.state_dict()), tmp)
        os.replace(tmp, args.dst)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    n = sum(v.numel() for v in model.state_dict().values())
    print(f'wrote {args.dst}: {len(model.state_dict())} tensors, '
          f'{n:,} parameters')
    return 0


if __name__ == '__main__':
    sys.exit(main())
