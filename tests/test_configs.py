"""The shipped configs: stable recipe by default, official values on demand,
and train pipelines that run on their documented layouts."""
import json

import cv2
import numpy as np
import pytest
from mmengine import Config
from mmengine.registry import DATASETS

import segrefiner  # noqa: F401  (registers the datasets and transforms)


def load(repo_root, name):
    return Config.fromfile(f'{repo_root}/configs/segrefiner/{name}.py')


@pytest.mark.parametrize('name,iters,milestones',
                         [('segrefiner_lr', 120000, [80000, 100000]),
                          ('segrefiner_hr', 40000, [20000, 35000])])
def test_stable_default_and_official_variant(repo_root, name, iters,
                                             milestones):
    stable, official = load(repo_root, name), load(repo_root,
                                                   f'{name}_official')
    for cfg in (stable, official):
        assert cfg.train_cfg.max_iters == iters
        assert cfg.optim_wrapper.optimizer == dict(
            type='AdamW', lr=4e-4, weight_decay=0, betas=(0.9, 0.999),
            eps=1e-8)
        assert cfg.param_scheduler[-1].milestones == milestones
        assert cfg.model.denoise_model.channel_mult == (1, 1, 2, 2, 4, 4)
    assert stable.optim_wrapper.clip_grad == dict(max_norm=1.0)
    assert stable.param_scheduler[0].type == 'LinearLR'
    assert stable.param_scheduler[0].end == 1000
    assert official.optim_wrapper.clip_grad is None
    assert [s.type for s in official.param_scheduler] == ['MultiStepLR']


def write_sample(folder_img, folder_gt, stem, rng, coarse_dirs=()):
    h, w = 300, 340
    image = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    gt = np.zeros((h, w), np.uint8)
    cv2.circle(gt, (170, 150), 90, 255, -1)
    for folder in (folder_img, folder_gt, *coarse_dirs):
        folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder_img / f'{stem}.jpg'), image)
    cv2.imwrite(str(folder_gt / f'{stem}.png'), gt)
    for folder in coarse_dirs:
        cv2.imwrite(str(folder / f'{stem}.png'), cv2.erode(gt, np.ones(
            (9, 9), np.uint8)))


def test_hr_pipeline_gives_context_crop_and_patch(repo_root, tmp_path):
    rng = np.random.default_rng(0)
    dis, thin = tmp_path / 'dis' / 'DIS-TR', tmp_path / 'thin_object'
    write_sample(dis / 'im', dis / 'gt', 'a', rng,
                 (dis / 'coarse', dis / 'coarse_expand'))
    write_sample(thin / 'images', thin / 'masks', 'b', rng,
                 (thin / 'coarse', thin / 'coarse_expand'))
    (thin / 'list').mkdir()
    (thin / 'list' / 'train.txt').write_text('b.png\n')
    cfg = load(repo_root, 'segrefiner_hr').train_dataloader.dataset
    cfg.datasets[0].data_root = str(tmp_path / 'dis')
    cfg.datasets[1].data_root = str(thin)
    dataset = DATASETS.build(cfg)
    assert len(dataset) == 2
    for i in range(2):
        sample = dataset[i]
        assert len(sample['inputs']) == 2  # the context crop and the patch
        for inputs, data in zip(sample['inputs'], sample['data_samples']):
            assert tuple(inputs.shape) == (3, 256, 256)
            assert tuple(data.gt_mask.shape[-2:]) == (256, 256)


def test_lr_pipeline_crops_an_lvis_object(repo_root, tmp_path):
    (tmp_path / 'train2017').mkdir()
    cv2.imwrite(str(tmp_path / 'train2017' / '000000000009.jpg'),
                np.full((120, 160, 3), 90, np.uint8))
    poly = [[30, 30, 110, 30, 110, 100, 30, 100]]
    (tmp_path / 'lvis.json').write_text(json.dumps(dict(
        images=[dict(id=9, height=120, width=160, coco_url='http://images.'
                     'cocodataset.org/train2017/000000000009.jpg')],
        annotations=[dict(id=1, image_id=9, category_id=1, segmentation=poly,
                          area=5600, bbox=[30, 30, 80, 70])],
        categories=[dict(id=1, name='box')])))
    cfg = load(repo_root, 'segrefiner_lr').train_dataloader.dataset
    cfg.update(data_root=str(tmp_path), ann_file='lvis.json')
    sample = DATASETS.build(cfg)[0]
    assert tuple(sample['inputs'].shape) == (3, 256, 256)
    assert 0 < float(sample['data_samples'].gt_mask.float().mean()) < 1


def test_demo_recipe_mixes_real_photos_and_composites(repo_root, tmp_path):
    rng = np.random.default_rng(1)
    for name in ('real', 'composites'):
        write_sample(tmp_path / name / 'images', tmp_path / name / 'masks',
                     'a', rng, ())
    cfg = load(repo_root, 'segrefiner_demo')
    assert cfg.model.test_cfg.safeguard == dict(band=0.08, min_iou=0.7)
    data = cfg.train_dataloader.dataset
    data.datasets[0].data_root = str(tmp_path / 'real')
    data.datasets[1].data_root = str(tmp_path / 'composites')
    data.datasets[1].indices = 1
    dataset = DATASETS.build(data)
    assert len(dataset) == 2
    sample = dataset[0]
    assert len(sample['inputs']) == 2  # the object crop and the patch
    assert all(tuple(x.shape) == (3, 128, 128) for x in sample['inputs'])


@pytest.mark.parametrize('name,first_steps', [
    ('segrefiner_demo_scenes', ['LoadRefinerData', 'MixedCoarseMask']),
    ('segrefiner_demo_wide', ['LoadRefinerData', 'MixedCoarseMask']),
    ('segrefiner_demo_polygon', ['LoadRefinerData', 'RandomDownscale',
                                 'PolygonTruth', 'MixedCoarseMask']),
])
def test_later_demo_stages_build_and_run_on_three_folders(
        repo_root, tmp_path, name, first_steps):
    rng = np.random.default_rng(2)
    cfg = load(repo_root, name)
    data = cfg.train_dataloader.dataset
    assert [d.data_root for d in data.datasets] == [
        'data/scene_train', 'data/real_train', 'data/demo_train']
    for i, inner in enumerate(data.datasets):
        write_sample(tmp_path / str(i) / 'images', tmp_path / str(i) / 'masks',
                     'a', rng, ())
        inner.data_root = str(tmp_path / str(i))
        steps = [step.type for step in inner.pipeline]
        assert steps[:len(first_steps)] == first_steps
    dataset = DATASETS.build(data)
    for index in range(len(dataset)):
        sample = dataset[index]
        assert len(sample['inputs']) == 2  # the object crop and the patch
        assert all(tuple(x.shape) == (3, 128, 128) for x in sample['inputs'])
        assert all(0 < float(view.gt_mask.float().mean()) < 1
                   for view in sample['data_samples'])
