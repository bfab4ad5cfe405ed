"""refiner_collate: multi-view samples flattened, and a batch drawn from a
user config that inherits a package config (mmengine adds ``_scope_`` to its
``collate_fn``)."""
import cv2
import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

import segrefiner  # noqa: F401  (registers the modules, segrefiner::)
from segrefiner.data import refiner_collate


def test_views_become_samples():
    batch = refiner_collate([dict(inputs=[1, 2], data_samples=['a', 'b']),
                             dict(inputs=3, data_samples='c')])
    assert batch == dict(inputs=[1, 2, 3], data_samples=['a', 'b', 'c'])


def test_batch_from_a_user_config_inheriting_the_package(tmp_path):
    for folder in ('images', 'masks'):
        (tmp_path / 'data' / folder).mkdir(parents=True)
    for i in range(2):
        mask = np.zeros((96, 120), np.uint8)
        cv2.circle(mask, (60, 48), 30 + 5 * i, 255, -1)
        cv2.imwrite(str(tmp_path / 'data' / 'images' / f'{i}.jpg'),
                    np.full((96, 120, 3), 40 * (i + 1), np.uint8))
        cv2.imwrite(str(tmp_path / 'data' / 'masks' / f'{i}.png'), mask)
    user = tmp_path / 'my_config.py'
    user.write_text(
        "_base_ = ['segrefiner::segrefiner/segrefiner_demo_composites.py']\n"
        f"train_dataloader = dict(batch_size=2, num_workers=0,\n"
        f"    persistent_workers=False,\n"
        f"    dataset=dict(data_root={str(tmp_path / 'data')!r}))\n")
    cfg = Config.fromfile(str(user))
    # what broke: mmengine scopes the inherited collate_fn and binds the
    # scope to the function
    assert cfg.train_dataloader.collate_fn._scope_ == 'segrefiner'
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    batch = next(iter(loader))
    assert len(batch['inputs']) == 2 == len(batch['data_samples'])
    assert tuple(batch['inputs'][0].shape) == (3, 128, 128)
