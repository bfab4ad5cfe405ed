"""segrefiner.checkpoints.reader: what official, mmengine and project files
hold comes back as it was saved; safetensors load; the opt-in is explicit."""
import collections

import numpy as np
import pytest
import safetensors.torch
import torch
from crafted import Reduces

from segrefiner.apis import init_refiner
from segrefiner.checkpoints import (NotACheckpointError,
                                    UnsafeCheckpointError,
                                    load_checkpoint_file)


def test_checkpoint_hook_content_comes_back(tmp_path):
    from mmengine.logging import HistoryBuffer
    data = dict(
        meta=dict(iter=np.int64(10), lr=np.float32(0.5),
                  seed=np.array([[1, 2], [3, 4]]), big=np.arange(3.,
                                                             dtype='>f8'),
                  names=np.array(['ab', 'c']), raw=b'\x00\xff',
                  cfg='model = dict()', size=torch.Size([1, 2]),
                  device=torch.device('cpu'), dtype=torch.bfloat16),
        state_dict=collections.OrderedDict(
            w=torch.arange(6.).view(2, 3).t(),
            p=torch.nn.Parameter(torch.ones(2)),
            half=torch.zeros(3, dtype=torch.float16)),
        message_hub=dict(log_scalars=dict(
            loss=HistoryBuffer([1.0, 2.0], [1, 1])),
                         runtime_info=dict(epoch=0, iter=10)),
        optimizer=dict(state={0: dict(step=torch.tensor(3.))},
                       param_groups=[dict(lr=0.1, betas=(0.9, 0.99),
                                          params=[0])]),
        param_schedulers=[dict(last_step=10, base_lrs=[0.1])])
    path = tmp_path / 'iter_10.pth'
    torch.save(data, path)
    out = load_checkpoint_file(path)
    assert isinstance(out['state_dict'], collections.OrderedDict)
    for key, value in data['state_dict'].items():
        assert type(out['state_dict'][key]) is type(value)
        assert torch.equal(out['state_dict'][key], value)
    for key, value in data['meta'].items():
        got = out['meta'][key]
        assert type(got) is type(value), key
        assert (np.array_equal(got, value) if isinstance(value, np.ndarray)
                else got == value), key
    assert out['meta']['big'].dtype == np.dtype('>f8')
    loss = out['message_hub']['log_scalars']['loss']
    assert type(loss) is HistoryBuffer and loss.mean() == 1.5
    assert loss.statistics('mean') == 1.5
    assert not hasattr(loss, 'statistics_methods')
    assert out['optimizer']['param_groups'][0]['betas'] == (0.9, 0.99)
    assert out['param_schedulers'] == data['param_schedulers']


def test_safetensors_load_wherever_a_pth_does(tmp_path, tiny_config):
    torch.manual_seed(4)
    source = init_refiner(tiny_config, 'random')
    path = tmp_path / 'w.safetensors'
    safetensors.torch.save_file(
        {k: v.contiguous() for k, v in source.state_dict().items()}, path)
    model = init_refiner(tiny_config, str(path))
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(NotACheckpointError, match='w.safetensors'):
        load_checkpoint_file(path)


def test_the_demo_model_ships_as_safetensors():
    from segrefiner.model_zoo import weights_path
    assert weights_path('demo').endswith('demo.safetensors')
    model = init_refiner('demo')
    assert model.denoise_model.model_channels == 32


def test_non_finite_weights_are_refused_naming_the_tensor(tmp_path,
                                                          tiny_config):
    state = init_refiner(tiny_config, 'random').state_dict()
    key = list(state)[5]
    state[key] = state[key].clone()
    state[key].view(-1)[0] = float('nan')
    path = tmp_path / 'nan.pth'
    torch.save(state, path)
    with pytest.raises(RuntimeError,
                       match=f"nan.pth: tensor '{key}' holds 1 non-finite"):
        init_refiner(tiny_config, str(path))


def test_trust_checkpoint_is_the_explicit_opt_in(malicious_checkpoint,
                                                 tmp_path):
    path, marker = malicious_checkpoint
    with pytest.raises(UnsafeCheckpointError, match="evil.pth.*'io.open'"):
        load_checkpoint_file(path)
    assert not marker.exists()
    ckpt = load_checkpoint_file(path, trust_checkpoint=True)  # it runs
    ckpt['meta']['note'].close()
    assert marker.exists()
    legacy = tmp_path / 'legacy.pth'
    torch.save({'w': torch.ones(2)}, legacy,
               _use_new_zipfile_serialization=False)
    with pytest.raises(UnsafeCheckpointError, match='legacy.pth.*legacy'):
        load_checkpoint_file(legacy)
    assert torch.equal(load_checkpoint_file(legacy, True)['w'], torch.ones(2))


def test_an_object_array_is_refused(tmp_path):
    path = tmp_path / 'objects.pth'
    torch.save(dict(meta=dict(names=np.array(['a', None], dtype=object))),
               path)
    with pytest.raises(UnsafeCheckpointError, match='objects.pth'):
        load_checkpoint_file(path)
    torch.save(dict(meta=Reduces(getattr, collections.OrderedDict, 'pop')),
               path)
    with pytest.raises(UnsafeCheckpointError, match="'builtins.getattr'"):
        load_checkpoint_file(path)
