import numpy as np
import pytest
import torch

from segrefiner.apis import init_refiner
from segrefiner.checkpoint import load_checkpoint_file, load_refiner_weights


def official_state(model):
    """A state dict laid out like the released files (with Sobel weights)."""
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state['loss_texture.sobel.conv_x.weight'] = torch.zeros(1, 1, 3, 3)
    state['loss_texture.sobel.conv_y.weight'] = torch.zeros(1, 1, 3, 3)
    return state


@pytest.fixture
def source(tiny_config):
    torch.manual_seed(1)
    return init_refiner(tiny_config)


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
    # mmengine's CheckpointHook writes numpy scalars in meta: not
    # weights_only-safe, so this exercises the trusted-file fallback.
    path = tmp_path / 'iter_10.pth'
    torch.save(dict(meta=dict(iter=np.int64(10), seed=np.array([0])),
                    state_dict=source.state_dict(),
                    optimizer=dict(state={})), path)
    with pytest.warns(UserWarning, match='trusted file'):
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


def test_wrong_model_size_is_refused(tmp_path, source):
    path = tmp_path / 'tiny.pth'
    torch.save(source.state_dict(), path)
    full = init_refiner(dict(model=dict(type='SegRefiner')))
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
    with pytest.raises(RuntimeError, match='no state dict'):
        load_refiner_weights(init_refiner(dict(model=dict(
            type='SegRefiner', denoise_model=dict(
                model_channels=32, channel_mult=(1, 2),
                attention_strides=(2, ))))), nonsense)
