"""segrefiner.mmdet end to end with a real mmdet Mask R-CNN on CPU.

The example config ``configs/mmdet/segrefiner-lr_mask-rcnn_r50_fpn_1x_coco.py``
(stock Mask R-CNN through ``mmdet::``) shrunk to ResNet-18, 3 classes and
64x64 images, random init, the tiny refiner: ``init_detector`` /
``inference_detector``, a stock checkpoint and ``Runner.test`` with
``CocoMetric``.
"""
import json
import os

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from segrefiner.apis import refine_crops
from segrefiner.hosted import host_image

mmdet_apis = pytest.importorskip('mmdet.apis')
from segrefiner.mmdet import (RefinedDetector,  # noqa: E402
                              init_refined_detector)

EXAMPLE = 'configs/mmdet/segrefiner-lr_mask-rcnn_r50_fpn_1x_coco.py'
CLASSES = ('cat', 'dog', 'bird')
PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(96, 96), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]


@pytest.fixture(scope='module')
def data_root(tmp_path_factory) -> str:
    """Three 64x64 images of rectangles and their COCO annotations."""
    root = tmp_path_factory.mktemp('det_data')
    rng = np.random.default_rng(0)
    images, annotations = [], []
    for i in range(3):
        image = np.full((64, 64, 3), 30, np.uint8)
        for j in range(2):
            x, y = (int(v) for v in rng.integers(0, 30, 2))
            w, h = (int(v) for v in rng.integers(12, 18, 2))
            image[y:y + h, x:x + w] = rng.integers(60, 256, 3)
            annotations.append(dict(
                id=len(annotations) + 1, image_id=i, category_id=j + 1,
                bbox=[x, y, w, h], area=w * h, iscrowd=0,
                segmentation=[[x, y, x + w, y, x + w, y + h, x, y + h]]))
        cv2.imwrite(str(root / f'{i}.png'), image)
        images.append(dict(id=i, file_name=f'{i}.png', width=64, height=64))
    categories = [dict(id=k + 1, name=n) for k, n in enumerate(CLASSES)]
    with open(root / 'ann.json', 'w') as f:
        json.dump(dict(images=images, annotations=annotations,
                       categories=categories), f)
    return str(root)


@pytest.fixture(scope='module')
def refiner_cfg(tiny_config) -> dict:
    return dict(type='SegRefiner', config=tiny_config, checkpoint='random',
                test_cfg=dict(model_size=32, area_thr=16, seed=0))


def _config(repo_root: str, data_root: str, refiner=None) -> Config:
    """The example config, small, wrapped when ``refiner`` is given."""
    cfg = Config.fromfile(os.path.join(repo_root, EXAMPLE))
    detector = cfg.model.detector
    detector.backbone.update(depth=18, init_cfg=None)
    detector.neck.in_channels = [64, 128, 256, 512]
    detector.roi_head.bbox_head.num_classes = len(CLASSES)
    detector.roi_head.mask_head.num_classes = len(CLASSES)
    detector.test_cfg.rcnn.max_per_img = 6
    if refiner is None:
        cfg.model = detector
    else:
        cfg.model.refiner = refiner
    dataset = dict(type='CocoDataset', data_root=data_root,
                   ann_file='ann.json', data_prefix=dict(img=''),
                   metainfo=dict(classes=CLASSES), test_mode=True,
                   pipeline=PIPELINE)
    cfg.test_dataloader = dict(
        batch_size=2, num_workers=0, persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False), dataset=dataset)
    cfg.test_evaluator = dict(type='CocoMetric', metric=['bbox', 'segm'],
                              ann_file=os.path.join(data_root, 'ann.json'))
    return cfg


@pytest.fixture(scope='module')
def stock(repo_root, data_root, tmp_path_factory):
    """(stock checkpoint path, unwrapped Mask R-CNN)."""
    torch.manual_seed(0)
    model = mmdet_apis.init_detector(_config(repo_root, data_root),
                                     device='cpu')
    path = str(tmp_path_factory.mktemp('ckpt') / 'mask_rcnn.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(classes=CLASSES))), path)
    return path, model


@pytest.fixture
def wrapped(repo_root, data_root, stock, refiner_cfg):
    return mmdet_apis.init_detector(
        _config(repo_root, data_root, refiner_cfg), stock[0], device='cpu',
        cfg_options={})


def _fill(images, coarse, **kwargs):
    """A refiner step that fills every crop."""
    return torch.ones_like(coarse)


def test_init_helper_and_stock_checkpoint(repo_root, data_root, stock,
                                          refiner_cfg, capsys):
    path, model = stock
    cfg = _config(repo_root, data_root, refiner_cfg)
    wrapped = init_refined_detector(cfg, path, device='cpu')
    assert 'missing keys' not in capsys.readouterr().out
    assert isinstance(wrapped, RefinedDetector)
    assert wrapped.dataset_meta['classes'] == CLASSES
    state = wrapped.detector.state_dict()
    assert set(state) == set(model.state_dict())
    for key, value in model.state_dict().items():
        assert torch.equal(state[key], value), key
    wrapped.load_state_dict(model.state_dict(), strict=True)
    with pytest.raises(AttributeError):  # why the helper exists
        mmdet_apis.init_detector(cfg, path, device='cpu')


def test_identity_refiner_leaves_predictions_identical(
        wrapped, stock, data_root, identity_refiner):
    # every padded box is the whole 64x64 image, the refiner's size: the
    # crop and the paste are then exact, the protocol an identity too
    identity_refiner.test_cfg.update(area_thr=16, pad_width=64)
    wrapped.refiner = identity_refiner
    img = os.path.join(data_root, '0.png')
    ours, theirs = (mmdet_apis.inference_detector(m, img).pred_instances
                    for m in (wrapped, stock[1]))
    assert identity_refiner.calls and len(theirs) > 0
    for key in ('bboxes', 'scores', 'labels', 'masks'):
        assert torch.equal(ours[key], theirs[key]), key


def test_changing_refiner_changes_exactly_the_refined_masks(
        wrapped, stock, data_root, identity_refiner, monkeypatch):
    monkeypatch.setattr(identity_refiner, 'refine', _fill)
    wrapped.refiner = identity_refiner
    img = os.path.join(data_root, '1.png')
    theirs = mmdet_apis.inference_detector(stock[1], img).pred_instances
    areas = theirs.masks.flatten(1).sum(1)
    identity_refiner.test_cfg['area_thr'] = int(areas.max())
    ours = mmdet_apis.inference_detector(wrapped, img).pred_instances
    for key in ('bboxes', 'scores', 'labels'):
        assert torch.equal(ours[key], theirs[key]), key
    assert ours.masks.dtype == torch.bool
    assert ours.masks.shape == (len(theirs), 64, 64)
    refined = areas >= areas.max()
    assert torch.equal(ours.masks[~refined], theirs.masks[~refined])
    assert (ours.masks[refined] != theirs.masks[refined]).any()
    image = torch.from_numpy(cv2.imread(img)[..., ::-1].copy())
    expected = refine_crops(identity_refiner, image.permute(2, 0, 1),
                            theirs.masks)
    assert torch.equal(ours.masks, expected)
    # an in-memory image (inverted preprocessing) gives the same masks
    array = mmdet_apis.inference_detector(wrapped, cv2.imread(img))
    assert torch.equal(array.pred_instances.masks, ours.masks)


def test_host_image_inverts_a_bgr_model_input():
    from mmdet.models import DetDataPreprocessor
    pre = DetDataPreprocessor(mean=[103.5, 116.3, 123.7], std=[57., 57., 58.],
                              bgr_to_rgb=False, pad_size_divisor=32)
    ramp = np.linspace(0, 255, 40 * 50 * 3).reshape(40, 50, 3)
    bgr = ramp.astype(np.uint8)
    big = cv2.resize(bgr, (100, 80), interpolation=cv2.INTER_LINEAR)
    data = pre(dict(inputs=[torch.from_numpy(big).permute(2, 0, 1)]))
    assert data['inputs'].shape[-2:] == (96, 128)
    meta = dict(img_shape=(80, 100), img_path=None)
    out = host_image(data['inputs'][0], meta, pre, (40, 50))
    rgb = torch.from_numpy(bgr[..., ::-1].copy()).permute(2, 0, 1)
    assert (out.int() - rgb.int()).abs().max() <= 2


def test_runner_test_with_coco_metric(repo_root, data_root, stock,
                                      refiner_cfg, tmp_path):
    cfg = _config(repo_root, data_root, refiner_cfg)
    cfg.work_dir, cfg.load_from = str(tmp_path), stock[0]
    runner = Runner.from_cfg(cfg)
    assert isinstance(runner.model, RefinedDetector)
    metrics = runner.test()
    assert 'coco/segm_mAP' in metrics and 'coco/bbox_mAP' in metrics


def test_rescale_false_is_refused(wrapped):
    with pytest.raises(ValueError, match='rescale'):
        wrapped.predict(torch.zeros(1, 3, 32, 32), [], rescale=False)


def test_the_example_refiner_loads_the_cached_lr_weights(
        repo_root, data_root, lr_home, assert_standin_weights):
    example = Config.fromfile(os.path.join(repo_root, EXAMPLE)).model.refiner
    assert 'checkpoint' not in example  # the official LR from the cache
    model = init_refined_detector(_config(repo_root, data_root, example),
                                  device='cpu')
    assert_standin_weights(model.refiner)


def test_missing_or_malicious_refiner_weights_fail_at_build(
        repo_root, data_root, weights_home, tiny_config, stock,
        malicious_checkpoint):
    cfg = Config.fromfile(os.path.join(repo_root, EXAMPLE))
    with pytest.raises(FileNotFoundError) as info:
        mmdet_apis.init_detector(cfg, device='cpu', cfg_options={})
    assert os.path.join(weights_home, 'segrefiner_lr_latest.pth') in str(
        info.value)
    assert 'drive.google.com' in str(info.value)
    evil, marker = malicious_checkpoint
    with pytest.raises(RuntimeError, match='refused to load'):
        init_refined_detector(_config(repo_root, data_root, dict(
            type='SegRefiner', config=tiny_config, checkpoint=str(evil))),
                              device='cpu')
    plain = _config(repo_root, data_root, dict(
        type='SegRefiner', config=tiny_config, checkpoint='random'))
    with pytest.raises(RuntimeError, match='refused to load'):
        init_refined_detector(plain, str(evil), device='cpu')  # host file
    assert not marker.exists()
