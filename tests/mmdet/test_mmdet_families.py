"""RefinedDetector around every instance segmenter family of the examples.

Each example config of ``configs/mmdet`` (stock mmdet configs through
``mmdet::``) parses; Cascade Mask R-CNN, SOLOv2, RTMDet-Ins and Mask2Former
are built from theirs, shrunk (ResNet-18 or CSPNeXt-S, few outputs) with
random weights and run on one 64x64 image.
"""
import glob
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

pytest.importorskip('mmdet')
import segrefiner.mmdet  # noqa: E402,F401  (registers RefinedDetector)
from mmdet.registry import MODELS  # noqa: E402
from mmdet.structures import DetDataSample  # noqa: E402

R18_CHANNELS = [64, 128, 256, 512]
FAMILIES = ('cascade-mask-rcnn_r50_fpn_1x_coco', 'solov2_r50_fpn_1x_coco',
            'rtmdet-ins_s_8xb32-300e_coco',
            'mask2former_r50_8xb2-lsj-50e_coco')


def _shrink(detector: dict) -> None:
    """Small, fast, and predicting a few non-empty masks at random init."""
    if detector.backbone.type == 'ResNet':
        detector.backbone.update(depth=18, init_cfg=None)
    else:
        detector.backbone.init_cfg = None
    if detector.type == 'CascadeRCNN':
        detector.neck.in_channels = R18_CHANNELS
        detector.test_cfg.rpn.update(nms_pre=100, max_per_img=50)
        detector.test_cfg.rcnn.update(score_thr=0.0, max_per_img=3)
    elif detector.type == 'SOLOv2':
        detector.neck.in_channels = R18_CHANNELS
        detector.mask_head.update(feat_channels=64, stacked_convs=1)
        detector.test_cfg.update(nms_pre=20, max_per_img=3)
    elif detector.type == 'RTMDet':
        detector.test_cfg.update(score_thr=0.0, max_per_img=3,
                                 mask_thr_binary=0.0)
    else:  # Mask2Former
        head = detector.panoptic_head
        head.update(in_channels=R18_CHANNELS, num_queries=10)
        head.pixel_decoder.encoder.num_layers = 1
        head.transformer_decoder.num_layers = 1
        detector.test_cfg.max_per_image = 3


def test_every_example_config_wraps_a_stock_detector(repo_root):
    paths = sorted(glob.glob(os.path.join(repo_root, 'configs/mmdet/*.py')))
    assert len(paths) == len(FAMILIES) + 1
    for path in paths:
        cfg = Config.fromfile(path)
        assert cfg.custom_imports.imports == ['segrefiner.mmdet']
        assert cfg.model.type == 'RefinedDetector'
        assert set(cfg.model) == {'type', 'detector', 'refiner'}
        assert cfg.model.refiner.type == 'SegRefiner'
        assert cfg.test_evaluator.type == 'CocoMetric'


@pytest.mark.parametrize('name', FAMILIES)
def test_identity_refiner_and_stock_keys_for_each_family(
        name, repo_root, tiny_config, identity_refiner):
    init_default_scope('mmdet')
    cfg = Config.fromfile(
        os.path.join(repo_root, 'configs/mmdet', f'segrefiner-lr_{name}.py'))
    _shrink(cfg.model.detector)
    cfg.model.refiner = dict(type='SegRefiner', config=tiny_config,
                            checkpoint='random')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    stock_state = model.detector.state_dict()
    model.load_state_dict(stock_state, strict=True)  # a stock checkpoint
    identity_refiner.test_cfg.update(area_thr=16, pad_width=64)
    model.refiner = identity_refiner
    image = torch.randint(0, 256, (3, 64, 64), dtype=torch.uint8,
                          generator=torch.Generator().manual_seed(0))
    data = dict(inputs=[image], data_samples=[DetDataSample(metainfo=dict(
        img_id=0, img_shape=(64, 64), ori_shape=(64, 64),
        scale_factor=(1.0, 1.0)))])
    with torch.no_grad():
        ours = model.test_step(data)[0].pred_instances
        theirs = model.detector.test_step(data)[0].pred_instances
    assert identity_refiner.calls and len(ours) == 3
    assert ours.masks.dtype == torch.bool
    for key in ('bboxes', 'scores', 'labels', 'masks'):
        assert torch.equal(ours[key], theirs[key]), key
