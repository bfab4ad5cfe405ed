"""``steps`` and ``early_exit`` from ``test_cfg``, the APIs, the predictor and
the tools' options, with one meaning everywhere."""
import argparse

import numpy as np
import pytest
import torch

from segrefiner.apis import (SegRefinerPredictor, init_refiner, refine,
                             refine_instances, refine_sam, refine_semantic)
from segrefiner.batch.cli import add_inference_args, inference_options_of
from segrefiner.protocols.high_res import stage_timesteps
from segrefiner.utils import synthetic_scene


def scene():
    return synthetic_scene(96, 128, 2, seed=3)


def build(tiny_config, **test_cfg):
    torch.manual_seed(0)
    options = {'model.test_cfg.model_size': 64, 'model.test_cfg.area_thr': 16}
    options.update({f'model.test_cfg.{k}': v for k, v in test_cfg.items()})
    return init_refiner(tiny_config, 'random', cfg_options=options)


def forward_timesteps(model):
    """Record the timestep batch of every UNet forward."""
    seen = []
    model.denoise_model.register_forward_hook(
        lambda module, args, out: seen.append(args[1].tolist()))
    return seen


def test_steps_choose_the_timesteps_each_crop_runs(tiny_config):
    model = build(tiny_config)
    seen = forward_timesteps(model)
    image, masks = scene()
    refine_instances(model, image, masks, seed=0, steps=3)
    assert seen == [[5, 5], [3, 3], [0, 0]]
    seen.clear()
    refine(model, image, masks[0], mode='lr', seed=0)
    assert [t[0] for t in seen] == [5, 4, 3, 2, 1, 0]  # all T by default


def test_all_steps_equal_the_default_and_fewer_differ(tiny_config):
    model = build(tiny_config)
    image, masks = scene()

    def probs(**kw):
        return refine(model, image, masks[0], mode='lr', seed=1,
                      return_probs=True, **kw)

    assert np.array_equal(probs(steps=6), probs())
    assert not np.array_equal(probs(steps=2), probs())
    predictor = SegRefinerPredictor(model, steps=2)
    assert np.array_equal(
        predictor.refine(image, masks[0], 'lr', 1, return_probs=True),
        probs(steps=2))
    assert np.array_equal(refine_instances(model, image, masks, seed=1,
                                           steps=2),
                          predictor.refine_instances(image, masks, seed=1))
    records = [dict(segmentation=m.astype(bool)) for m in masks]
    for got, want in zip(refine_sam(model, image, records, seed=1, steps=2),
                         predictor.refine_sam(image, records, seed=1)):
        assert np.array_equal(got['segmentation'], want['segmentation'])


def test_test_cfg_gives_the_model_default(tiny_config):
    model = build(tiny_config, steps=2, early_exit=True)
    options = model.inference_options()
    assert options.steps == 2 and options.early_exit
    seen = forward_timesteps(model)
    image, masks = scene()
    labels = masks[0].astype(np.int64) + 2 * masks[1]
    refine_semantic(model, image, labels, seed=0)
    assert {t[0] for t in seen} <= {5, 0} and len(seen) <= 2
    seen.clear()
    refine(model, image, masks[0], mode='lr', seed=0, steps=6,
           early_exit=False)
    assert len(seen) == 6  # a call's options override the model's
    with pytest.raises(ValueError, match=r'steps must be in 1..6'):
        build(tiny_config, steps=7)
    with pytest.raises(ValueError, match=r'steps must be in 1..6'):
        SegRefinerPredictor(model, steps=9)
    with pytest.raises(ValueError, match='integer >= 1'):
        refine(model, image, masks[0], steps=0)


def test_hr_protocol_names_its_stages(tiny_config):
    model = build(tiny_config)
    assert stage_timesteps(model) == ([5, 4, 3, 2, 1], [0])
    assert stage_timesteps(model, 3) == ([5, 3], [0])
    assert stage_timesteps(model, 1) == stage_timesteps(model, 2) == ([5],
                                                                       [0])
    seen = forward_timesteps(model)
    image, masks = scene()
    refine(model, image, masks[0], mode='hr', seed=0, steps=3)
    assert [t[0] for t in seen][:2] == [5, 3] and all(
        t[0] == 0 for t in seen[2:])


def test_tool_options(tiny_config):
    model = build(tiny_config)
    parser = argparse.ArgumentParser()
    add_inference_args(parser)
    args = parser.parse_args(['--steps', '3', '--early-exit'])
    options = inference_options_of(args, model)
    assert options.steps == 3 and options.early_exit
    assert inference_options_of(parser.parse_args([]),
                                model) == model.inference_options()
    args = parser.parse_args(['--steps', '2', '--unet-batch', 'all'])
    assert inference_options_of(args, model).steps == 2
    with pytest.raises(ValueError, match=r'steps must be in 1..6'):
        inference_options_of(parser.parse_args(['--steps', '7']), model)
    with pytest.raises(SystemExit):
        parser.parse_args(['--steps', '0'])
