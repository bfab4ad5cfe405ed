"""segrefiner.checkpoints.state_dict: official and project files, and
mismatch reports that say what is wrong."""
import warnings

import numpy as np
import pytest
import torch

from segrefiner.apis import init_refiner
from segrefiner.checkpoints import (KNOWN_UNETS, UnsafeCheckpointError,
                                    describe_state_dict, load_checkpoint_file,
                                    load_refiner_weights, mismatch_report)
from segrefiner.models import SegRefiner


def official_state(model):
    """A state dict laid out like the released files (with Sobel weights)."""
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state['loss_texture.sobel.conv_x.weight'] = torch.zeros(1, 1, 3, 3)
    state['loss_texture.sobel.conv_y.weight'] = torch.zeros(1, 1, 3, 3)
    return state


@pytest.fixture
def source(tiny_config):
    torch.manual_seed(1)
    return init_refiner(tiny_config, 'random')


@pytest.mark.parametrize('container', ['raw', 'state_dict', 'ddp'])
def test_official_containers_round_trip(tmp_path, source, tiny_config,
                                        container):
    state = official_state(source)
    if container == 'state_dict':
        obj = dict(state_dict=state)
    elif container == 'ddp':
        obj = {'module.' + k: v for k, v in state.items()}
    else:
        obj = state
    path = tmp_path / 'official.pth'
    torch.save(obj, path)
    torch.manual_seed(2)
    model = init_refiner(tiny_config, str(path))
    for k, v in source.state_dict().items():
        assert torch.equal(model.state_dict()[k], v), k


def test_project_checkpoint_from_a_full_training_file(tmp_path, source,
                                                      tiny_config):
    # mmengine's CheckpointHook writes numpy scalars in meta: not loadable
    # with torch's weights_only=True, read as data here, without a warning
    path = tmp_path / 'iter_10.pth'
    torch.save(dict(meta=dict(iter=np.int64(10), seed=np.array([0])),
                    state_dict=source.state_dict(),
                    optimizer=dict(state={})), path)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        model = init_refiner(tiny_config, str(path))
    assert torch.equal(model.state_dict()['denoise_model.out.2.weight'],
                       source.state_dict()['denoise_model.out.2.weight'])


def test_bare_unet_state_dict_is_accepted(tmp_path, source, tiny_config):
    path = tmp_path / 'unet.pth'
    torch.save(source.denoise_model.state_dict(), path)
    model = init_refiner(tiny_config, str(path))
    assert torch.equal(model.denoise_model.out[2].bias,
                       source.denoise_model.out[2].bias)


def test_mismatches_are_listed(tmp_path, source, tiny_config):
    state = official_state(source)
    state.pop('denoise_model.out.2.bias')
    state['denoise_model.extra.weight'] = torch.zeros(1)
    state['denoise_model.out.2.weight'] = torch.zeros(2, 32, 3, 3)
    path = tmp_path / 'bad.pth'
    torch.save(state, path)
    with pytest.raises(RuntimeError) as info:
        init_refiner(tiny_config, str(path))
    msg = str(info.value)
    assert 'bad.pth' in msg
    assert 'missing keys (1): denoise_model.out.2.bias' in msg
    assert 'unexpected keys (1): denoise_model.extra.weight' in msg
    assert 'denoise_model.out.2.weight: checkpoint (2, 32, 3, 3)' in msg
    assert 'likely cause: a few keys differ' in msg


def official_on_meta() -> SegRefiner:
    with torch.device('meta'):
        return SegRefiner()


def test_known_unet_sizes_are_the_released_architectures(tiny_refiner):
    official = describe_state_dict(official_on_meta().state_dict())
    tiny = describe_state_dict(tiny_refiner.state_dict())
    assert (official, tiny) == tuple(KNOWN_UNETS.values())
    assert 'official' in official and 'tiny' in tiny


def test_a_tiny_file_for_the_official_model_says_so(tiny_refiner):
    report = mismatch_report(official_on_meta(), tiny_refiner.state_dict(),
                             'tiny.pth')
    lines = report.splitlines()
    assert lines[0] == ('tiny.pth does not match the model (SegRefiner, 453 '
                        'tensors; the file has 201):')
    assert lines[1].startswith('  missing keys (280): ')
    assert lines[1].endswith(', ... (277 more)')  # the first three only
    assert 'shape mismatches (172)' in report
    assert len(report) < 2000
    assert ('likely cause: the file holds the tiny UNet (1.5M parameters: '
            'the demo model, segrefiner_tiny.py) but the model is the '
            'official LR/HR-SegRefiner UNet') in report
    reverse = mismatch_report(tiny_refiner, official_on_meta().state_dict())
    assert 'the file holds the official LR/HR-SegRefiner UNet' in reverse


def test_a_prefixed_or_foreign_file_says_so(tiny_refiner):
    state = tiny_refiner.state_dict()
    hosted = {f'refiner.{k}': v for k, v in state.items()}
    assert ("likely cause: the keys start with 'refiner.'" in
            mismatch_report(tiny_refiner, hosted))
    compiled = {f'_orig_mod.{k}': v for k, v in state.items()}
    assert "start with '_orig_mod.'" in mismatch_report(tiny_refiner,
                                                        compiled)
    segmentor = {'backbone.conv1.weight': torch.zeros(1),
                 'decode_head.conv_seg.weight': torch.zeros(1)}
    assert ('likely cause: not a SegRefiner checkpoint (its keys begin with '
            'backbone, decode_head') in mismatch_report(tiny_refiner,
                                                        segmentor)
    assert mismatch_report(tiny_refiner, state) == ''


def test_a_refused_pickle_is_reported_with_the_file(malicious_checkpoint,
                                                    tiny_config):
    path, marker = malicious_checkpoint
    with pytest.raises(UnsafeCheckpointError, match="evil.pth.*'io.open'"):
        load_checkpoint_file(path)
    with pytest.raises(UnsafeCheckpointError, match='trust_checkpoint=True'):
        init_refiner(tiny_config, str(path))
    assert not marker.exists()


def test_wrong_model_size_is_refused(tmp_path, source):
    path = tmp_path / 'tiny.pth'
    torch.save(source.state_dict(), path)
    full = init_refiner(dict(model=dict(type='SegRefiner')), 'random')
    with pytest.raises(RuntimeError, match='shape mismatches'):
        load_refiner_weights(full, path)


def test_unreadable_files_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_file(tmp_path / 'nope.pth')
    broken = tmp_path / 'broken.pth'
    broken.write_bytes(b'not a checkpoint at all')
    with pytest.raises(RuntimeError, match='broken.pth'):
        load_checkpoint_file(broken)
    nonsense = tmp_path / 'list.pth'
    torch.save([1, 2, 3], nonsense)
    with pytest.raises(RuntimeError, match='holds a list'):
        load_refiner_weights(init_refiner(dict(model=dict(
            type='SegRefiner', denoise_model=dict(
                model_channels=32, channel_mult=(1, 2),
                attention_strides=(2, )))), 'random'), nonsense)
