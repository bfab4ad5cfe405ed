"""Where the official weights are published, where they go, and a check.

Usage::

    python tools/get_weights.py              # both releases: link, place, status
    python tools/get_weights.py lr           # one of them
    python tools/get_weights.py --verify FILE [--as hr]   # check any file
                                             # (against lr unless --as)
    python tools/get_weights.py lr --fetch   # download (needs gdown + network)

The cache is ``$SEGREFINER_HOME`` (default ``~/.cache/segrefiner``); the
files keep their release names, ``segrefiner_lr_latest.pth`` and
``segrefiner_hr_latest.pth`` (the raw official files or converted ones).
A placed file is read as data and checked key for key and shape for shape
against the official model; LR and HR have the same keys and shapes, so
``--verify FILE`` checks against LR unless ``--as`` names another model, and
says so. Exit status 1 when a release asked for is missing (one ``error:``
line on stderr, so the tool can guard a script), a placed or given file does
not verify, or a fetch fails; else 0.
"""
import argparse
import os
import sys
from typing import List, Optional

from segrefiner.batch.cli import add_trust_arg
from segrefiner.model_zoo import (HOME_ENV, NAMED_MODELS, RELEASES, FetchError,
                                  fetch_release, segrefiner_home,
                                  verify_weights, weights_path)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('names',
                        nargs='*',
                        metavar='NAME',
                        help='lr, hr (default: both)')
    parser.add_argument('--verify',
                        metavar='FILE',
                        help='check FILE instead of the cached files')
    parser.add_argument('--as',
                        dest='as_name',
                        choices=sorted(NAMED_MODELS),
                        help='model to check --verify FILE against (default '
                        'lr; lr and hr have the same keys and shapes)')
    parser.add_argument('--fetch',
                        action='store_true',
                        help='download the missing releases (optional: '
                        'needs gdown and a network)')
    add_trust_arg(parser, 'the files')
    args = parser.parse_args(argv)
    for name in args.names:
        if name not in RELEASES:
            parser.error(f'unknown release {name!r}: choose from lr, hr')
    return args


def check(path: str, name: str, trust: bool) -> bool:
    """Print the report of one file; whether it verified."""
    try:
        report = verify_weights(path, name, trust)
    except (OSError, RuntimeError) as error:
        print(f'  error: {error}')
        return False
    print('  ' + report.summary().replace('\n', '\n  '))
    return report.ok


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.verify:
        name = args.as_name or 'lr'
        print(f'{args.verify}: checked against {name}, '
              f'{NAMED_MODELS[name].title}' + ('' if args.as_name else
                                               ' (--as names another model)'))
        return 0 if check(args.verify, name, args.trust_checkpoint) else 1
    ok, missing = True, []
    print(f'weights cache: {segrefiner_home()} (${HOME_ENV})')
    for name in args.names or RELEASES:
        model, path = NAMED_MODELS[name], weights_path(name)
        print(f'\n{name}: {model.title}\n  release {model.file_name}, '
              f'published at {model.url}\n  place it at {path}')
        if not os.path.isfile(path) and args.fetch:
            try:
                fetch_release(name, path)
            except FetchError as error:
                print(f'  fetch failed: {error}')
                missing.append(name)
                continue
        if os.path.isfile(path):
            ok = check(path, name, args.trust_checkpoint) and ok
        else:
            print(f"  missing: download it from the link above, or run "
                  f"'python tools/get_weights.py {name} --fetch' where "
                  'there is a network')
            missing.append(name)
    if missing:
        print(f'error: missing {" and ".join(missing)} weights: place each '
              'file where it says above', file=sys.stderr)
    return 0 if ok and not missing else 1


if __name__ == '__main__':
    sys.exit(main())
