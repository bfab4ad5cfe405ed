"""Verifying placed weights and the optional fetch (no download happens)."""
import os
import shutil
import sys
import types

import pytest
import torch

from segrefiner.model_zoo import FetchError, fetch_release, verify_weights


def test_a_placed_official_file_verifies(official_standin):
    report = verify_weights(official_standin, 'lr')
    assert report.ok, report.problem
    assert report.container == 'raw state dict'
    assert (report.tensors, report.parameters,
            report.ignored) == (453, 118_604_673, 2)
    assert 'official LR/HR' in report.model
    assert 'LR and HR share every key and shape' in report.summary()


def test_a_wrong_file_is_explained(tmp_path, tiny_refiner):
    path = tmp_path / 'segrefiner_lr_latest.pth'
    torch.save(
        dict(state_dict=tiny_refiner.state_dict(),
             meta=dict(converted_from='x.pth')), path)
    report = verify_weights(str(path), 'lr')
    assert not report.ok
    assert report.container == 'dict with state_dict'
    assert 'tiny UNet' in report.model
    assert 'likely cause: the file holds the tiny UNet' in report.summary()
    assert verify_weights(str(path), 'demo').ok


def test_fetch_without_gdown_or_network_says_so(monkeypatch, weights_home):
    monkeypatch.setitem(sys.modules, 'gdown', None)  # not installed
    with pytest.raises(FetchError, match='needs the optional gdown') as info:
        fetch_release('lr')
    assert 'drive.google.com' in str(info.value)

    def offline(**kwargs):
        raise ConnectionError('Name or service not known')

    monkeypatch.setitem(sys.modules, 'gdown',
                        types.SimpleNamespace(download=offline))
    with pytest.raises(FetchError, match='is there a network here') as info:
        fetch_release('hr')
    assert 'segrefiner_hr_latest.pth' in str(info.value)
    assert 'ConnectionError' in str(info.value)


def test_a_fetched_file_is_placed_only_once_it_verifies(
        monkeypatch, weights_home, official_standin, tmp_path):
    source = dict(file=official_standin)

    def download(id, output, quiet):
        shutil.copy(source['file'], output)
        return output

    monkeypatch.setitem(sys.modules, 'gdown',
                        types.SimpleNamespace(download=download))
    report = fetch_release('lr')
    assert report.ok and report.path == os.path.join(
        weights_home, 'segrefiner_lr_latest.pth')
    junk = tmp_path / 'junk.pth'
    torch.save({'backbone.weight': torch.zeros(1)}, junk)
    source['file'] = str(junk)
    with pytest.raises(FetchError, match='does not verify'):
        fetch_release('hr')
    assert sorted(os.listdir(weights_home)) == ['segrefiner_lr_latest.pth']
