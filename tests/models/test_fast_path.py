"""The fast inference path: mode resolution, the runner, and its agreement
with the fp32 reference path on the embedded demo model."""
import numpy as np
import pytest
import torch

from segrefiner.apis import init_refiner, refine
from segrefiner.datagen import make_composite
from segrefiner.data.coarse import modify_boundary
from segrefiner.apis.agreement import path_agreement
from segrefiner.models import (ForwardMode, InferenceOptions, SegRefinerUNet,
                               UNetRunner, resolve_forward_mode)
from segrefiner.models import fast_path
from segrefiner.utils import heap


def tiny_unet():
    torch.manual_seed(0)
    return SegRefinerUNet(model_channels=32, channel_mult=(1, 2),
                          attention_strides=(2, ), num_heads=2).eval()


def test_auto_precision_follows_the_hardware(monkeypatch):
    monkeypatch.setattr(fast_path, 'native_bf16', lambda device: False)
    assert resolve_forward_mode(True, 'auto', 'cpu') == ForwardMode(
        None, True, 'sdpa', retain_heap=True)
    monkeypatch.setattr(fast_path, 'native_bf16', lambda device: True)
    assert resolve_forward_mode(True, 'auto', 'cpu').autocast_dtype == (
        torch.bfloat16)
    assert resolve_forward_mode(False, 'auto', 'cpu') == ForwardMode()
    # Only the CPU fast path keeps freed memory; CUDA has its own cache.
    assert not resolve_forward_mode(True, 'fp32', 'meta').retain_heap
    assert resolve_forward_mode(True, 'fp16', 'cpu').autocast_dtype == (
        torch.float16)


def test_bad_choices_are_refused():
    with pytest.raises(ValueError, match='precision must be one of'):
        resolve_forward_mode(True, 'int8', 'cpu')
    with pytest.raises(ValueError, match='needs fast=True'):
        resolve_forward_mode(False, 'bf16', 'cpu')
    with pytest.raises(ValueError, match='precision must be one of'):
        init_refiner(None, cfg_options={'model.test_cfg.precision': 'x'})


def test_reference_runner_is_the_raw_fp32_call():
    unet = tiny_unet()
    x, t = torch.randn(2, 4, 32, 32), torch.tensor([5, 0])
    with torch.no_grad():
        fast = UNetRunner(unet, resolve_forward_mode(True, 'fp32', 'cpu'))
        fast_out = fast(x, t)
        ref = UNetRunner(unet, ForwardMode())
        ref_out = ref(x, t)
        for module in unet.modules():  # runners change nothing in the UNet
            assert getattr(module, 'impl', 'sdpa') == 'sdpa'
        assert all(p.is_contiguous() for p in unet.parameters())
        raw = unet(x, t, attn_impl='legacy')  # the official head split
    assert torch.equal(ref_out, raw)
    torch.testing.assert_close(fast_out, ref_out, rtol=1e-4, atol=1e-4)


def test_bf16_runner_returns_float32_close_to_fp32():
    unet = tiny_unet()
    x, t = torch.randn(1, 4, 16, 16), torch.tensor([3])
    with torch.no_grad():
        bf16 = UNetRunner(unet, resolve_forward_mode(True, 'bf16', 'cpu'))(
            x, t)
        ref = UNetRunner(unet, ForwardMode())(x, t)
        assert unet(x, t).dtype == torch.float32  # raw call: input dtype
    assert bf16.dtype == torch.float32
    assert (bf16 - ref).abs().max() < 0.1 * ref.abs().max()


def held_out(n=4):
    """Composites and coarse masks from seeds the demo model never saw."""
    for seed in range(5000, 5000 + n):
        rng = np.random.default_rng(seed)
        comp = make_composite(rng, (160, 160))
        yield comp.image, modify_boundary(comp.mask, rng), comp.mask


def test_fast_path_agrees_with_the_reference_on_the_demo_model():
    model = init_refiner()
    result = path_agreement(model, held_out(), mode='lr', seed=0)
    assert result['min_iou'] >= 0.99, result['per_image_iou']
    for ref, fast in zip(result['reference'], result['fast']):
        assert abs(ref - fast) <= 0.2
    assert 'fast' not in model.test_cfg  # options are never written


def small_case():
    """A flat 48x40 image and a box mask."""
    image = np.full((40, 48, 3), 120, np.uint8)
    mask = np.zeros((40, 48), np.uint8)
    mask[8:30, 10:40] = 1
    return image, mask


def test_apis_take_the_path_options(tiny_config):
    model = init_refiner(tiny_config, 'random')
    image, mask = small_case()
    a = refine(model, image, mask, mode='lr', seed=0, fast=False)
    b = refine(model, image, mask, mode='lr', seed=0, fast=True,
               precision='fp32')
    assert a.shape == b.shape == mask.shape
    with pytest.raises(ValueError, match='needs fast=True'):
        refine(model, image, mask, seed=0, fast=False, precision='bf16')


def test_unet_batch_splits_the_forward_into_equal_results():
    unet = tiny_unet()
    x, t = torch.randn(5, 4, 32, 32), torch.tensor([5, 4, 3, 2, 1])
    calls = []
    unet.register_forward_pre_hook(lambda m, args: calls.append(len(args[0])))
    with torch.no_grad():
        whole = UNetRunner(unet, resolve_forward_mode(True, 'fp32', 'cpu'))(
            x, t)
        split = UNetRunner(unet, resolve_forward_mode(
            True, 'fp32', 'cpu', unet_batch=2))(x, t)
    assert calls == [5, 2, 2, 1]
    torch.testing.assert_close(split, whole, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match='unet_batch'):
        resolve_forward_mode(True, 'fp32', 'cpu', unet_batch=0)


def test_auto_unet_batch_follows_the_measured_table_on_cpu(monkeypatch):
    unet = tiny_unet()
    monkeypatch.setattr(fast_path, 'CPU_CROP_PIXELS', 32 * 32)
    monkeypatch.setitem(fast_path.CPU_UNET_BATCH, torch.float32, 2)
    monkeypatch.setitem(fast_path.CPU_UNET_BATCH, torch.bfloat16, 3)
    calls = []
    unet.register_forward_pre_hook(lambda m, args: calls.append(len(args[0])))
    t = torch.zeros(5, dtype=torch.long)
    with torch.no_grad():
        for precision, size in (('fp32', 32), ('bf16', 32), ('fp32', 16)):
            UNetRunner(unet, resolve_forward_mode(
                True, precision, 'cpu', unet_batch='auto'))(
                    torch.randn(5, 4, size, size), t)
    # fp32: 2 crops of 32x32; bf16: 3; 16x16 crops: 4x as many per forward
    assert calls == [2, 2, 1, 3, 2, 5]
    assert fast_path.cpu_unet_batch(None, 64, 64) == 1
    assert resolve_forward_mode(True, 'fp32', 'cuda',
                                unet_batch='auto').max_batch is None
    assert init_refiner().inference_options().unet_batch == 'auto'


@pytest.mark.skipif(not heap.heap_retention_supported(),
                    reason='glibc without MALLOC_* tuning')
def test_cpu_fast_path_keeps_freed_memory_over_the_whole_call(
        tiny_config, monkeypatch):
    settings = []
    monkeypatch.setattr(heap, '_mallopt', settings.append)
    model = init_refiner(tiny_config, 'random')
    image, mask = small_case()
    refine(model, image, mask, mode='lr', seed=0, fast=False)
    assert settings == []  # the reference path leaves malloc alone
    refine(model, image, mask, mode='lr', seed=0)
    # One retain/restore pair around the call, not one per UNet forward.
    assert settings == [heap._RETAIN, heap._RESTORE]


def test_unet_batch_all_is_the_whole_batch_and_none_no_override():
    assert resolve_forward_mode(True, 'fp32', 'cpu',
                                unet_batch='all').max_batch is None
    options = InferenceOptions(unet_batch='all')
    assert options.forward_mode('cpu').max_batch is None
    # None is "no override" (the default), never a batch size
    assert options.merged(unet_batch=None).unet_batch == 'all'
    assert InferenceOptions.from_cfg(dict(unet_batch=None)).unet_batch == (
        'auto')
    with pytest.raises(ValueError, match="'auto' or 'all'"):
        InferenceOptions(unet_batch=None)
