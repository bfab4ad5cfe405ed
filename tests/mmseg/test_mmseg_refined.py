"""segrefiner.mmseg end to end with real mmseg models on CPU.

Stock mmseg configs (FCN ResNet-18, OCRNet HRNet-18s: ``EncoderDecoder`` and
``CascadeEncoderDecoder``) at 64x64 with 4 classes, random init, and the tiny
refiner; ``init_model``/``inference_model``, a stock checkpoint, SegTTAModel's
merge and ``Runner.test`` with ``IoUMetric``.
"""
import glob
import os
from typing import Tuple

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hub import get_config
from mmengine.model.utils import revert_sync_batchnorm
from mmengine.runner import Runner

from segrefiner.apis import refine_label_map
from segrefiner.hosted import host_image

mmseg_apis = pytest.importorskip('mmseg.apis')
import segrefiner.mmseg  # noqa: E402,F401  (registers the segmentors)
from mmseg.models import (CascadeEncoderDecoder,  # noqa: E402
                          EncoderDecoder)
from mmseg.registry import MODELS  # noqa: E402

STOCK = dict(
    fcn='mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py',
    ocr='mmseg::ocrnet/ocrnet_hr18s_4xb2-40k_cityscapes-512x1024.py')
CLASSES = ('sky', 'road', 'car', 'tree')
PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(80, 72), keep_ratio=False),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]


def _image(seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """A 64x64 BGR image of coloured rectangles, and its label map."""
    rng = np.random.default_rng(seed)
    image = np.full((64, 64, 3), 40, np.uint8)
    labels = np.zeros((64, 64), np.uint8)
    for cls in range(1, len(CLASSES)):
        y, x = rng.integers(0, 40, 2)
        image[y:y + 24, x:x + 24] = rng.integers(0, 256, 3)
        labels[y:y + 24, x:x + 24] = cls
    return image, labels


@pytest.fixture(scope='module')
def data_root(tmp_path_factory) -> str:
    """Three images and label maps in ``img/`` and ``ann/``."""
    root = tmp_path_factory.mktemp('seg_data')
    for sub in ('img', 'ann'):
        os.makedirs(root / sub)
    for i in range(3):
        image, labels = _image(i)
        cv2.imwrite(str(root / 'img' / f'{i}.png'), image)
        cv2.imwrite(str(root / 'ann' / f'{i}.png'), labels)
    return str(root)


def _config(name: str, data_root: str, refiner=None) -> Config:
    """A small 4-class stock config reading ``data_root``."""
    cfg = get_config(STOCK[name])
    cfg.custom_imports = dict(imports=['segrefiner.mmseg'],
                              allow_failed_imports=False)
    heads = cfg.model.decode_head
    for head in (heads if isinstance(heads, list) else
                 [heads, cfg.model.auxiliary_head]):
        head.num_classes = len(CLASSES)
    cfg.model.pretrained = None
    if refiner is not None:
        cfg.model.refiner = refiner
    cfg.test_pipeline = PIPELINE
    cfg.test_dataloader = dict(
        batch_size=2, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='BaseSegDataset', data_root=data_root,
                     metainfo=dict(classes=CLASSES),
                     data_prefix=dict(img_path='img', seg_map_path='ann'),
                     img_suffix='.png', seg_map_suffix='.png',
                     pipeline=PIPELINE))
    cfg.test_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
    return cfg


@pytest.fixture(scope='module')
def refiner_ckpt(tmp_path_factory, tiny_config) -> str:
    """The tiny refiner's own weights."""
    from segrefiner.apis import init_refiner
    torch.manual_seed(1)
    path = str(tmp_path_factory.mktemp('refiner') / 'tiny.pth')
    torch.save(init_refiner(tiny_config, 'random').state_dict(), path)
    return path


@pytest.fixture(scope='module')
def refiner_cfg(tiny_config, refiner_ckpt) -> dict:
    return dict(type='SegRefiner', config=tiny_config, checkpoint=refiner_ckpt,
                test_cfg=dict(model_size=32, area_thr=16, seed=0))


@pytest.fixture(scope='module', params=sorted(STOCK))
def stock(request, data_root, tmp_path_factory):
    """(name, stock checkpoint path, unwrapped model) of each config."""
    torch.manual_seed(0)
    model = revert_sync_batchnorm(mmseg_apis.init_model(
        _config(request.param, data_root), device='cpu'))
    path = str(tmp_path_factory.mktemp('ckpt') / f'{request.param}.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(classes=CLASSES))), path)
    return request.param, path, model


def _wrapped(stock: tuple, data_root: str, refiner_cfg: dict):
    """The stock model of ``stock`` with a refiner, from its checkpoint."""
    name, path, _ = stock
    return revert_sync_batchnorm(mmseg_apis.init_model(
        _config(name, data_root, refiner_cfg), path, device='cpu'))


def _dilate(images, coarse, **kwargs):
    """A refiner step that grows every mask by 2 px."""
    return F.max_pool2d((coarse >= 0.5).float(), 5, 1, 2)


def test_registry_resolves_stock_names_to_refinement_aware_classes():
    for name in ('EncoderDecoder', 'CascadeEncoderDecoder'):
        cls = MODELS.get(name)
        assert cls is MODELS.get('Refined' + name)
        assert issubclass(cls, EncoderDecoder)


def test_without_refiner_the_model_is_stock(stock, data_root):
    name, _, model = stock
    assert model.refiner is None
    stock_class = dict(fcn=EncoderDecoder, ocr=CascadeEncoderDecoder)[name]
    assert isinstance(model, stock_class)
    kwargs = {k: v for k, v in model.cfg.model.items() if k != 'type'}
    plain = revert_sync_batchnorm(stock_class(**kwargs)).eval()
    plain.load_state_dict(model.state_dict(), strict=True)
    plain.cfg = model.cfg
    img = os.path.join(data_root, 'img', '0.png')
    ours, theirs = (mmseg_apis.inference_model(m, img) for m in (model, plain))
    assert torch.equal(ours.seg_logits.data, theirs.seg_logits.data)
    assert torch.equal(ours.pred_sem_seg.data, theirs.pred_sem_seg.data)


def test_stock_checkpoint_loads_into_the_wrapped_model(
        stock, data_root, refiner_cfg, refiner_ckpt, capsys):
    _, path, model = stock
    wrapped = _wrapped(stock, data_root, refiner_cfg)
    assert 'missing keys' not in capsys.readouterr().out
    state = wrapped.state_dict()
    assert {k for k in state if not k.startswith('refiner.')} == set(
        model.state_dict())
    for key, value in model.state_dict().items():
        assert torch.equal(state[key], value), key
    own = torch.load(refiner_ckpt)
    for key, value in wrapped.refiner.state_dict().items():
        assert torch.equal(value, own[key]), key
    wrapped.load_state_dict(model.state_dict(), strict=True)
    assert wrapped.dataset_meta['classes'] == CLASSES


def test_identity_refiner_leaves_predictions_identical(
        stock, data_root, refiner_cfg, identity_refiner):
    _, _, model = stock
    # every padded box is the whole 64x64 image, the refiner's size: the
    # crop and the paste are then exact, the protocol an identity too
    identity_refiner.test_cfg.update(area_thr=16, pad_width=64)
    wrapped = _wrapped(stock, data_root, refiner_cfg)
    wrapped.refiner = identity_refiner
    img = os.path.join(data_root, 'img', '1.png')
    ours, theirs = (mmseg_apis.inference_model(m, img)
                    for m in (wrapped, model))
    assert identity_refiner.calls
    assert torch.equal(ours.seg_logits.data, theirs.seg_logits.data)
    assert torch.equal(ours.pred_sem_seg.data, theirs.pred_sem_seg.data)


def test_changing_refiner_changes_exactly_the_refined_pixels(
        stock, data_root, refiner_cfg, identity_refiner, monkeypatch):
    _, _, model = stock
    monkeypatch.setattr(identity_refiner, 'refine', _dilate)
    wrapped = _wrapped(stock, data_root, refiner_cfg)
    wrapped.refiner = identity_refiner
    img = os.path.join(data_root, 'img', '2.png')
    ours, theirs = (mmseg_apis.inference_model(m, img)
                    for m in (wrapped, model))
    image = torch.from_numpy(cv2.imread(img)[..., ::-1].copy())
    expected = refine_label_map(identity_refiner, image.permute(2, 0, 1),
                                theirs.pred_sem_seg.data[0], None)
    pred = ours.pred_sem_seg.data[0]
    assert torch.equal(pred, expected)
    changed = pred != theirs.pred_sem_seg.data[0]
    assert changed.any()
    assert torch.equal(ours.seg_logits.data.argmax(0), pred)
    same = ours.seg_logits.data == theirs.seg_logits.data
    assert same[:, ~changed].all() and not same[:, changed].all(0).any()
    # an in-memory image (inverted preprocessing) gives the same refinement
    array = mmseg_apis.inference_model(wrapped, cv2.imread(img))
    assert torch.equal(array.pred_sem_seg.data[0], pred)
    # SegTTAModel re-derives the labels from the refined seg_logits
    tta = MODELS.build(dict(type='SegTTAModel', module=wrapped))
    merged = tta.merge_preds([[ours]])[0]
    assert torch.equal(merged.pred_sem_seg.data[0], pred)


@pytest.mark.parametrize('tta', [False, True], ids=['plain', 'tta'])
def test_runner_test_with_iou_metric(stock, data_root, refiner_cfg, tmp_path,
                                     tta):
    name, path, _ = stock
    if tta and name != 'fcn':
        pytest.skip('one architecture is enough for the --tta path')
    cfg = _config(name, data_root, refiner_cfg)
    cfg.work_dir, cfg.load_from = str(tmp_path), path
    if tta:  # what mmseg's tools/test.py --tta does
        cfg.test_dataloader.dataset.pipeline = [
            dict(type='LoadImageFromFile'),
            dict(type='TestTimeAug', transforms=[
                [dict(type='Resize', scale=(80, 72), keep_ratio=False)],
                [dict(type='RandomFlip', prob=p, direction='horizontal')
                 for p in (0.0, 1.0)],
                [dict(type='LoadAnnotations')], [dict(type='PackSegInputs')]
            ])
        ]
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    metrics = Runner.from_cfg(cfg).test()
    assert 0 <= metrics['mIoU'] <= 100


def test_every_example_config_keeps_the_stock_segmentor(repo_root):
    paths = sorted(glob.glob(os.path.join(repo_root, 'configs/mmseg/*.py')))
    assert len(paths) == 3
    types = set()
    for path in paths:
        cfg = Config.fromfile(path)
        assert cfg.custom_imports.imports == ['segrefiner.mmseg']
        assert 'backbone' in cfg.model and 'refiner' in cfg.model
        assert cfg.test_evaluator.type == 'IoUMetric'
        types.add(cfg.model.type)
    assert types == {'EncoderDecoder', 'CascadeEncoderDecoder',
                     'RefinedEncoderDecoder'}


def test_host_image_inverts_a_flipped_padded_rgb_model_input():
    from mmseg.models import SegDataPreProcessor
    from mmseg.structures import SegDataSample
    pre = SegDataPreProcessor(mean=[123.675, 116.28, 103.53],
                              std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                              test_cfg=dict(size_divisor=32))
    bgr = _image(3)[0][:50, :60]
    flipped = torch.from_numpy(bgr[:, ::-1].copy()).permute(2, 0, 1)
    meta = dict(img_shape=(50, 60), ori_shape=(50, 60), flip=True,
                flip_direction='horizontal')
    data = pre(dict(inputs=[flipped],
                    data_samples=[SegDataSample(metainfo=meta)]))
    assert data['inputs'].shape[-2:] == (64, 64)
    out = host_image(data['inputs'][0], data['data_samples'][0].metainfo,
                     pre, (50, 60))
    rgb = torch.from_numpy(bgr[..., ::-1].copy()).permute(2, 0, 1)
    assert torch.equal(out, rgb)


LITERAL = ('configs/mmseg/'
           'segrefiner-lr_deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py')


def test_the_literal_config_loads_the_cached_lr_weights(
        repo_root, lr_home, assert_standin_weights):
    cfg = Config.fromfile(os.path.join(repo_root, LITERAL))
    assert cfg.model.refiner == dict(type='SegRefiner', test_cfg=dict(seed=0))
    model = mmseg_apis.init_model(cfg, device='cpu')
    assert_standin_weights(model.refiner)
    assert model.refiner.test_cfg['seed'] == 0


def test_an_empty_cache_fails_at_build_naming_the_release(
        repo_root, weights_home, data_root, tiny_config):
    cfg = Config.fromfile(os.path.join(repo_root, LITERAL))
    with pytest.raises(FileNotFoundError) as info:
        mmseg_apis.init_model(cfg, device='cpu')
    message = str(info.value)
    assert os.path.join(weights_home, 'segrefiner_lr_latest.pth') in message
    assert 'drive.google.com' in message and 'get_weights.py' in message
    with pytest.raises(FileNotFoundError, match='segrefiner_hr_latest.pth'):
        _wrapped_model(data_root, dict(type='SegRefiner', checkpoint='hr'))
    random = _wrapped_model(data_root, dict(
        type='SegRefiner', config=tiny_config, checkpoint='random'))
    assert random.refiner.denoise_model.model_channels == 32


def _wrapped_model(data_root, refiner):
    return mmseg_apis.init_model(_config('fcn', data_root, refiner),
                                 device='cpu')


def test_malicious_refiner_or_host_checkpoints_are_refused(
        data_root, tiny_config, malicious_checkpoint):
    evil, marker = malicious_checkpoint
    with pytest.raises(RuntimeError, match='refused to load'):
        _wrapped_model(data_root, dict(type='SegRefiner', config=tiny_config,
                                       checkpoint=str(evil)))
    with pytest.raises(RuntimeError, match="refused to load.*'io.open'"):
        mmseg_apis.init_model(_config('fcn', data_root), str(evil),
                              device='cpu')  # the host's own checkpoint
    assert not marker.exists()
