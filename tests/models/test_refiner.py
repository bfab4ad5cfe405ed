import pytest
import torch
from mmengine.registry import MODELS
from mmengine.structures import BaseDataElement

from segrefiner.models import SegRefiner

TINY_UNET = dict(model_channels=32, num_res_blocks=1, channel_mult=(1, 2, 2),
                 attention_strides=(4, ), num_heads=2)


def samples(n, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        gt = torch.zeros(1, size, size)
        gt[:, 8:24, 6:20] = 1
        coarse = (torch.rand(1, size, size, generator=g) < 0.1).float()
        out.append(BaseDataElement(gt_mask=gt, coarse_mask=torch.maximum(
            gt * (torch.rand(1, size, size, generator=g) > 0.2), coarse)))
    return out


def test_default_build_is_the_official_model():
    model = MODELS.build(dict(type='SegRefiner'))
    assert sum(p.numel() for p in model.parameters()) == 118_604_673
    assert model.num_timesteps == 6
    assert model.timesteps() == [5, 4, 3, 2, 1, 0]
    assert model.timesteps(5) == [5, 4, 3, 1, 0]
    assert model.timesteps(1) == [5]
    assert model.test_cfg['pad_width'] == 20
    assert model.test_cfg['iou_thr'] == 0.3
    torch.testing.assert_close(model.data_preprocessor.mean.flatten(),
                               torch.tensor([123.675, 116.28, 103.53]))


def test_partial_overrides_and_schedule_length():
    model = SegRefiner(denoise_model=dict(TINY_UNET),
                       diffusion_cfg=dict(betas=dict(
                           type='linear', start=0.9, stop=0,
                           num_timesteps=12)))
    assert model.denoise_model.time_embed.weight.shape[0] == 12
    assert model.denoise_model.in_channels == 4  # official value kept
    with pytest.raises(ValueError, match='differs from the schedule'):
        SegRefiner(denoise_model=dict(TINY_UNET, num_timesteps=6),
                   diffusion_cfg=dict(betas=dict(
                       type='linear', start=0.9, stop=0, num_timesteps=12)))


def test_keep_detail_outside_zero_to_one_is_refused():
    assert SegRefiner(denoise_model=dict(TINY_UNET),
                      test_cfg=dict(keep_detail=0.5)).test_cfg[
                          'keep_detail'] == 0.5
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r'keep_detail must be within'):
            SegRefiner(denoise_model=dict(TINY_UNET),
                       test_cfg=dict(keep_detail=bad))


def test_loss_is_finite_and_backpropagates():
    torch.manual_seed(0)
    model = SegRefiner(denoise_model=dict(TINY_UNET))
    data = model.data_preprocessor(
        dict(inputs=[torch.rand(3, 32, 32) * 255 for _ in range(2)],
             data_samples=samples(2)), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_mask', 'loss_texture', 'iou'}
    total, log_vars = model.parse_losses(losses)
    assert torch.isfinite(total) and 0 <= log_vars['iou'] <= 1
    total.backward()
    assert model.denoise_model.out[2].weight.grad.abs().sum() > 0


def test_predict_sets_probabilities_and_masks():
    model = SegRefiner(denoise_model=dict(TINY_UNET)).eval()
    data = model.data_preprocessor(
        dict(inputs=[torch.rand(3, 32, 32) * 255],
             data_samples=samples(1)), False)
    with torch.no_grad():
        out = model(**data, mode='predict')
    probs = out[0].pred_probs
    assert probs.shape == (1, 32, 32)
    assert 0 <= probs.min() and probs.max() <= 1
    assert torch.equal(out[0].pred_mask, probs >= 0.5)
    logits = model(**data, mode='tensor')
    assert logits.shape == (1, 1, 32, 32)


def test_refine_is_reproducible_with_a_generator():
    torch.manual_seed(0)
    model = SegRefiner(denoise_model=dict(TINY_UNET)).eval()
    images = torch.rand(2, 3, 32, 32) * 255
    coarse = torch.stack([s.coarse_mask for s in samples(2)])

    def run(seed, **kw):
        return model.refine(images, coarse, generator=torch.Generator()
                            .manual_seed(seed), return_fine_probs=True, **kw)

    (a, fa), (b, fb), (c, _) = run(1), run(1), run(2)
    assert torch.equal(a, b) and torch.equal(fa, fb)
    assert not torch.equal(a, c)
    assert a.shape == (2, 1, 32, 32) and a.dtype == torch.float32
    single, _ = run(1, timesteps=[0])
    assert single.shape == a.shape


def test_refine_input_validation():
    model = SegRefiner(denoise_model=dict(TINY_UNET)).eval()
    with pytest.raises(ValueError, match='images must be'):
        model.refine(torch.zeros(1, 4, 8, 8), torch.zeros(1, 1, 8, 8))
    with pytest.raises(ValueError, match='coarse must be'):
        model.refine(torch.zeros(1, 3, 8, 8), torch.zeros(1, 1, 4, 8))
    with pytest.raises(ValueError, match='steps must be'):
        model.refine(torch.zeros(1, 3, 8, 8), torch.zeros(1, 1, 8, 8),
                     steps=7)
