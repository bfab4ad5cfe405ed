"""SegRefinerPredictor: options fixed per predictor, nothing written into the
model, concurrent callers with different options independent."""
import copy
import dataclasses
import threading
import warnings

import numpy as np
import pytest
import torch

from segrefiner.apis import (SegRefinerPredictor, init_refiner, refine,
                             refine_instances, refine_semantic)
from segrefiner.models import InferenceOptions


def scene():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)
    masks = np.zeros((3, 96, 128), np.uint8)
    masks[0, 10:60, 20:80] = 255
    masks[1, 40:90, 60:120] = 255
    masks[2, 5:45, 70:110] = 255
    return image, masks


def model_state(model):
    """What a call must not change: test_cfg, layouts, module attributes."""
    attributes = {
        name: {k: v for k, v in vars(module).items()
               if not isinstance(v, (dict, torch.Tensor)) or k == 'test_cfg'}
        for name, module in model.named_modules()
    }
    layouts = {name: (p.stride(), p.dtype)
               for name, p in model.named_parameters()}
    return copy.deepcopy(model.test_cfg), layouts, repr(attributes)


@pytest.fixture
def model(tiny_config):
    torch.manual_seed(0)
    return init_refiner(tiny_config, 'random',
                        cfg_options={'model.test_cfg.model_size': 64})


def test_two_threads_with_different_options_match_their_solo_calls(model):
    image, masks = scene()
    # probabilities: the two paths differ in their last bits, so any option
    # leaking from one thread into the other shows
    calls = {
        True: lambda: refine(model, image, masks[0], mode='lr', seed=1,
                             return_probs=True, fast=True, precision='fp32'),
        False: lambda: refine(model, image, masks[0], mode='lr', seed=1,
                              return_probs=True, fast=False),
    }
    before = model_state(model)
    alone = {fast: call() for fast, call in calls.items()}
    assert not np.array_equal(alone[True], alone[False])
    assert model_state(model) == before
    rounds, start = 4, threading.Barrier(2)
    results = {True: [], False: []}
    errors = []

    def worker(fast):
        try:
            start.wait()
            for _ in range(rounds):
                results[fast].append(calls[fast]())
        except BaseException as error:  # reported in the main thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(f, )) for f in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    for fast in calls:
        assert len(results[fast]) == rounds
        for out in results[fast]:
            assert np.array_equal(out, alone[fast])
    assert model_state(model) == before


def test_options_are_fixed_when_the_predictor_is_built(model):
    predictor = SegRefinerPredictor(model, fast=False)
    assert predictor.options == InferenceOptions(fast=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        predictor.options.fast = True
    explicit = SegRefinerPredictor(model, InferenceOptions(precision='fp32'),
                                   unet_batch=2)
    assert explicit.options == InferenceOptions(True, 'fp32', 2)
    with pytest.raises(ValueError, match='needs fast=True'):
        SegRefinerPredictor(model, fast=False, precision='bf16')


def test_functions_are_the_predictor_with_that_calls_options(model):
    image, masks = scene()
    predictor = SegRefinerPredictor(model, fast=False)
    assert np.array_equal(
        refine(model, image, masks[0], mode='lr', seed=0, fast=False),
        predictor.refine(image, masks[0], mode='lr', seed=0))
    assert np.array_equal(
        refine_instances(model, image, masks, seed=0, fast=False),
        predictor.refine_instances(image, masks, seed=0))
    labels = (masks[0] > 0).astype(np.uint8) + 2 * (masks[1] > 0)
    assert np.array_equal(
        refine_semantic(model, image, labels, seed=0,
                        options=InferenceOptions(fast=False)),
        predictor.refine_semantic(image, labels, seed=0))


def test_model_defaults_come_from_test_cfg_and_are_only_read(tiny_config):
    model = init_refiner(tiny_config, 'random', cfg_options={
        'model.test_cfg.fast': False})
    assert model.inference_options() == InferenceOptions(fast=False)
    assert model.inference_options(fast=True).fast is True
    assert model.test_cfg['fast'] is False
    with pytest.raises(ValueError, match='precision must be one of'):
        InferenceOptions(precision='int8')


def test_pil_and_read_only_inputs_give_the_array_result(model, tmp_path):
    from PIL import Image
    image, masks = scene()
    expected = refine(model, image, masks[0], mode='lr', seed=4)
    frozen_image, frozen_mask = image.copy(), masks[0].copy()
    frozen_image.flags.writeable = frozen_mask.flags.writeable = False
    pil_image, pil_mask = Image.fromarray(image), Image.fromarray(masks[0])
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # torch's non-writable warning
        for args in ((pil_image, pil_mask), (frozen_image, frozen_mask),
                     (np.asarray(pil_image), np.asarray(pil_mask))):
            assert np.array_equal(
                refine(model, *args, mode='lr', seed=4), expected)
        assert np.array_equal(
            refine_instances(model, pil_image, masks, seed=4),
            refine_instances(model, image, masks, seed=4))
    with pytest.raises(FileNotFoundError, match='nope.jpg'):
        refine(model, tmp_path / 'nope.jpg', tmp_path / 'nope.png')
    with pytest.raises(TypeError, match='a numpy array or a PIL image, got '
                       'list'):
        refine(model, image.tolist(), masks[0])
