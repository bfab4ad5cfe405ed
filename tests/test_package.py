import os
import subprocess
import sys

BLOCK = ('mmseg', 'mmdet', 'mmcv', 'pycocotools', 'skimage', 'scipy',
         'torchvision')

SCRIPT = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {BLOCK!r}:
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
import segrefiner
from segrefiner.apis import init_refiner, refine, refine_instances
from segrefiner.batch import (BatchOptions, BatchReport, refine_folder,
                              refine_results)
from mmengine.registry import DATASETS, MODELS, TRANSFORMS
assert MODELS.get('SegRefiner') and MODELS.get('SegRefinerUNet')
assert TRANSFORMS.get('PackRefinerInputs') and DATASETS.get('BIGDataset')
print('ok', segrefiner.__version__)
"""


def test_import_needs_only_torch_mmengine_numpy_opencv():
    run = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith('ok')


def test_the_pkg_resources_warning_of_mmengine_is_hidden():
    run = subprocess.run(
        [sys.executable, '-c', 'import segrefiner, pkg_resources'],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONWARNINGS=''))
    assert run.returncode == 0, run.stderr
    assert 'pkg_resources is deprecated' not in run.stderr


def test_the_batch_apis_are_exported():
    import segrefiner.batch as batch
    from segrefiner.batch.evaluate import evaluate_dataset
    from segrefiner.batch.folders import refine_folder
    assert batch.evaluate_dataset is evaluate_dataset  # on first use
    assert batch.refine_folder is refine_folder
    for name in batch.__all__:
        assert getattr(batch, name) is not None, name
