"""Load every crafted file (:mod:`crafted`) through every entry point, in
a process of its own: ``python run_crafted.py ROOT CONFIG IMAGES`` prints
one JSON object (``test_crafted.py`` reads it)."""
import io
import os
from pathlib import Path
from typing import Callable, Dict

import torch
from crafted import build_all


def _entry_points(config: str, images: Path) -> Dict[str, Callable]:
    """Every way a user hands a weights file to the package."""
    import contextlib

    from mmengine.runner import CheckpointLoader

    from segrefiner.apis import init_refiner
    from segrefiner.checkpoints import (load_checkpoint_file,
                                        use_safe_checkpoint_loader)
    from segrefiner.hosted import build_hosted_refiner
    from segrefiner.model_zoo import verify_weights
    use_safe_checkpoint_loader()
    tool = Path(__file__).parents[2] / 'tools' / 'refine.py'

    def refine_tool(path):
        import runpy
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(
                io.StringIO()):
            code = runpy.run_path(str(tool))['main']([
                str(images), str(images.parent / 'masks'), '--out',
                str(images.parent / 'o'),
                '--config', config, '--checkpoint', str(path)])
        raise RuntimeError(f'exit {code}: {err.getvalue()}')

    return dict(
        load_checkpoint_file=load_checkpoint_file,
        init_refiner=lambda path: init_refiner(config, str(path)),
        # the adapters' refiner=dict(checkpoint=...)
        hosted=lambda path: build_hosted_refiner(
            dict(config=config, checkpoint=str(path))),
        mmengine=lambda path: CheckpointLoader.load_checkpoint(str(path)),
        verify_weights=lambda path: verify_weights(str(path), 'demo'),
        refine_tool=refine_tool)


def main(root: str, config: str, images: str) -> None:
    """Load every crafted file through every entry point in this process
    (each with a 60 s alarm: a hang fails), then print one JSON object:
    ``results[name][entry] = error text`` (``'LOADED'`` if it loaded),
    whether ``_rebuild_tensor_v2`` is unchanged, and the markers."""
    import json
    import signal

    def hang(*_):
        raise TimeoutError('hung')

    signal.signal(signal.SIGALRM, hang)
    root_path = Path(root)
    paths = build_all(root_path)
    defaults = torch._utils._rebuild_tensor_v2.__defaults__
    results: Dict[str, Dict[str, str]] = {}
    for name, path in paths.items():
        for entry, load in _entry_points(config, Path(images)).items():
            signal.alarm(60)
            try:
                load(path)
                text = 'LOADED'
            except BaseException as exc:  # what the user would see
                text = f'{type(exc).__name__}: {exc}'
            finally:
                signal.alarm(0)
            results.setdefault(name, {})[entry] = text
    print(json.dumps(dict(
        results=results,
        rebuild_unchanged=(torch._utils._rebuild_tensor_v2.__defaults__ ==
                           defaults),
        markers=sorted(os.listdir(root_path / 'markers')))))


if __name__ == '__main__':
    import sys
    main(*sys.argv[1:])
