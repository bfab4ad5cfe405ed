"""segrefiner.registry: the package's configs as ``segrefiner::NAME`` from any
working directory (loaders, ``_base_``, ``mmengine.hub.get_config``), its
registry scope, and the configs inside a built wheel."""
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
from mmengine.config import Config
from mmengine.config import config as mmengine_config
from mmengine.hub import get_config
from mmengine.registry import MODELS
from mmengine.utils import package_utils

import segrefiner
from segrefiner.apis import load_config
from segrefiner.registry import CONFIG_ROOT, REGISTRIES, config_path

USER_CONFIG = """
_base_ = ['segrefiner::segrefiner/segrefiner_tiny.py']
param_scheduler = [{{_base_.warmup}}]
model = dict(test_cfg=dict(model_size=64))
"""


def test_names_resolve_to_the_repository_configs(repo_root):
    path = config_path('segrefiner::segrefiner/segrefiner_lr.py')
    assert path == os.path.join(CONFIG_ROOT, 'segrefiner', 'segrefiner_lr.py')
    assert os.path.samefile(path,
                            f'{repo_root}/configs/segrefiner/segrefiner_lr.py')
    assert config_path('configs/x.py') == 'configs/x.py'  # not a name
    with pytest.raises(FileNotFoundError, match='segrefiner::nope/x.py'):
        config_path('segrefiner::nope/x.py')


def test_loaders_take_names_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config('segrefiner::segrefiner/segrefiner_lr.py')
    assert cfg.model.type == 'SegRefiner'
    assert cfg.model.denoise_model.model_channels == 128  # ../_base_/models
    assert cfg.train_cfg.max_iters == 120000
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=1.0)  # ../_base_
    hub = get_config('segrefiner::segrefiner/segrefiner_tiny.py')
    assert hub.model.denoise_model.model_channels == 32
    assert hub.train_cfg.max_iters == 120000  # via ./segrefiner_lr.py


def test_a_user_config_inherits_a_package_config(tmp_path, monkeypatch):
    (tmp_path / 'mine.py').write_text(USER_CONFIG)
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile('mine.py')
    assert cfg.model.type == 'SegRefiner'
    assert cfg.model.test_cfg.model_size == 64
    assert cfg.model.test_cfg.batch_max == 32  # merged, not replaced
    assert cfg.model.denoise_model.model_channels == 32
    assert [s.type for s in cfg.param_scheduler] == ['LinearLR']
    assert cfg.param_scheduler[0].end == 1000
    assert cfg.model._scope_ == 'segrefiner'  # as mmseg:: bases get 'mmseg'
    with MODELS.switch_scope_and_registry('segrefiner') as registry:
        assert registry is REGISTRIES['model']  # found, no fallback
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'SegRefiner'
    assert model.test_cfg['model_size'] == 64


def test_example_configs_name_their_refiner_config_by_scope(tmp_path,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    seg = get_config(
        'segrefiner::mmseg/segrefiner-lr_pspnet_r50-d8_4xb4-160k_ade20k-'
        '512x512.py')
    assert seg.model.type == 'RefinedEncoderDecoder'
    assert seg.model.decode_head.type == 'PSPHead'  # from mmseg::
    assert seg.test_dataloader.dataset.type == 'ADE20KDataset'
    refiner = load_config(seg.model.refiner.config)
    assert seg.model.refiner.config.startswith('segrefiner::')
    assert refiner.model.denoise_model.model_channels == 128
    det = get_config('segrefiner::mmdet/segrefiner-lr_mask-rcnn_r50_fpn_1x_'
                     'coco.py')
    assert det.model.type == 'RefinedDetector'
    assert det.model.detector.type == 'MaskRCNN'  # from mmdet::
    assert det.model.refiner == dict(type='SegRefiner', test_cfg=dict(seed=0))
    assert det.custom_imports.imports == ['segrefiner.mmdet']  # ./_base_


def test_mmengine_finds_this_copy_and_others_as_before():
    here = os.path.dirname(segrefiner.__file__)
    assert mmengine_config.get_installed_path('segrefiner') == here
    assert (mmengine_config.get_installed_path('mmdet') ==
            package_utils.get_installed_path('mmdet'))


def repository_files(root):
    """The files git tracks or would track (not ignored) under ``root``."""
    try:
        listing = subprocess.run(
            ['git', 'ls-files', '--cached', '--others', '--exclude-standard'],
            cwd=root, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip('not a git checkout')
    return [name for name in listing.splitlines()
            if os.path.lexists(os.path.join(root, name))]


def test_a_wheel_carries_the_configs(repo_root, tmp_path):
    source = tmp_path / 'src'
    for name in repository_files(repo_root):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.join(repo_root, name), target,
                     follow_symlinks=False)
    assert (source / 'segrefiner/.mim/configs').is_symlink()
    run = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps',
         '--no-build-isolation', '--no-index', '-q', '-w', tmp_path / 'dist',
         source], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    wheel, = (tmp_path / 'dist').glob('segrefiner-*.whl')
    names = set(zipfile.ZipFile(wheel).namelist())
    configs = {
        f'segrefiner/.mim/configs/{os.path.relpath(path, source / "configs")}'
        for path in map(str, (source / 'configs').rglob('*.py'))
    }
    assert 'segrefiner/.mim/configs/segrefiner/segrefiner_lr.py' in configs
    assert configs <= names
    assert 'segrefiner/.mim/model-index.yml' in names
