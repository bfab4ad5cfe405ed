"""segrefiner.safe_pickle: checkpoints are data, pickles never run code."""
import collections
import os
import pickle

import numpy as np
import pytest
import torch

from segrefiner.checkpoint import load_checkpoint_file
from segrefiner.safe_pickle import (UnresolvedGlobal, UnsafeCheckpointError,
                                    restricted_torch_load)


class Runs:
    """Unpickling this calls ``func(*args)``."""

    def __init__(self, func, *args) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def test_data_comes_back_as_it_was_saved(tmp_path):
    data = dict(state_dict=collections.OrderedDict(
        w=torch.arange(6.).view(2, 3).t(),
        p=torch.nn.Parameter(torch.ones(2)),
        half=torch.zeros(3, dtype=torch.float16)),
                meta=dict(iter=np.int64(10),
                          lr=np.float32(0.5),
                          seed=np.array([[1, 2], [3, 4]]),
                          names=np.array(['a', None], dtype=object),
                          tags={1, 2},
                          raw=b'\x00\xff',
                          size=torch.Size([1, 2]),
                          device=torch.device('cpu'),
                          dtype=torch.bfloat16,
                          layout=torch.strided,
                          z=complex(1, 2)))
    path = tmp_path / 'data.pth'
    for legacy in (False, True):
        torch.save(data, path, _use_new_zipfile_serialization=not legacy)
        out = restricted_torch_load(path)
        assert isinstance(out['state_dict'], collections.OrderedDict)
        for key, value in data['state_dict'].items():
            assert type(out['state_dict'][key]) is type(value)
            assert torch.equal(out['state_dict'][key], value)
        meta = out['meta']
        assert type(meta['iter']) is np.int64 and meta['iter'] == 10
        assert type(meta['lr']) is np.float32
        assert np.array_equal(meta['seed'], data['meta']['seed'])
        assert list(meta['names']) == ['a', None]
        for key in ('tags', 'raw', 'size', 'device', 'dtype', 'layout', 'z'):
            assert meta[key] == data['meta'][key], key


def test_library_objects_become_inert_placeholders(tmp_path):
    path = tmp_path / 'lib.pth'
    # torch.load as a "value": turning it into a placeholder never calls it
    torch.save(
        dict(loader=Runs(torch.load, str(tmp_path / 'x.pth')),
             w=torch.ones(1)), path)
    out = restricted_torch_load(path)
    assert isinstance(out['loader'], UnresolvedGlobal)
    assert out['loader'].global_name == 'torch.serialization.load'
    assert out['loader'].args == (str(tmp_path / 'x.pth'), )
    assert 'not loaded' in repr(out['loader'])


@pytest.mark.parametrize('func,name', [(os.system, 'posix.system'),
                                       (eval, 'builtins.eval'),
                                       (getattr, 'builtins.getattr'),
                                       (open, 'io.open')])
def test_code_is_refused_before_it_runs(tmp_path, func, name):
    marker = tmp_path / 'created'
    args = dict(system=(f'touch {marker}', ),
                eval=(f"open({str(marker)!r}, 'w')", ),
                getattr=(str, 'join'),
                open=(str(marker), 'w'))
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, meta=Runs(func, *args[func.__name__])),
               path)
    with pytest.raises(UnsafeCheckpointError) as info:
        restricted_torch_load(path)
    assert str(path) in str(info.value) and repr(name) in str(info.value)
    assert not marker.exists()


def test_a_plain_pickle_and_torchscript_are_refused(tmp_path):
    marker = tmp_path / 'created'
    plain = tmp_path / 'plain.pkl'
    plain.write_bytes(pickle.dumps(Runs(open, str(marker), 'w')))
    with pytest.raises(UnsafeCheckpointError, match='io.open'):
        restricted_torch_load(plain)
    scripted = tmp_path / 'scripted.pt'
    torch.jit.script(torch.nn.Linear(2, 2)).save(str(scripted))
    with pytest.raises(UnsafeCheckpointError, match='TorchScript'):
        restricted_torch_load(scripted)
    assert not marker.exists()


def test_trust_checkpoint_is_the_explicit_opt_in(malicious_checkpoint):
    path, marker = malicious_checkpoint
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint_file(path)
    assert not marker.exists()
    # the payload is real: trusted, it runs
    ckpt = load_checkpoint_file(path, trust_checkpoint=True)
    ckpt['meta']['note'].close()
    assert marker.exists()
