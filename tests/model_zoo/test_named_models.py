"""Named models and the weights cache: names resolve, missing files say how
to get them."""
import os

import pytest

from segrefiner.model_zoo import (NAMED_MODELS, MissingWeightsError,
                                  resolve_checkpoint, segrefiner_home,
                                  weights_path)


def test_the_cache_is_segrefiner_home(monkeypatch, tmp_path):
    monkeypatch.delenv('SEGREFINER_HOME', raising=False)
    assert segrefiner_home() == os.path.expanduser('~/.cache/segrefiner')
    monkeypatch.setenv('SEGREFINER_HOME', str(tmp_path))
    assert weights_path('lr') == str(tmp_path / 'segrefiner_lr_latest.pth')
    assert weights_path('hr') == str(tmp_path / 'segrefiner_hr_latest.pth')
    assert os.path.isfile(weights_path('demo'))  # bundled, not cached


def test_checkpoint_values(lr_home, tmp_path):
    assert resolve_checkpoint(None) is None
    assert resolve_checkpoint('random') is None
    assert resolve_checkpoint('lr') == os.path.join(
        lr_home, 'segrefiner_lr_latest.pth')
    assert resolve_checkpoint(tmp_path / 'mine.pth') == str(tmp_path /
                                                            'mine.pth')


def test_a_missing_release_names_the_file_and_the_way_to_get_it(weights_home):
    with pytest.raises(MissingWeightsError) as info:
        resolve_checkpoint('hr')
    message = str(info.value)
    assert os.path.join(weights_home, 'segrefiner_hr_latest.pth') in message
    assert NAMED_MODELS['hr'].url in message
    assert 'SEGREFINER_HOME' in message and 'tools/get_weights.py' in message
    assert isinstance(info.value, FileNotFoundError)  # tools report OSErrors


def test_the_release_pages_are_the_official_readme_links():
    assert NAMED_MODELS['lr'].url == ('https://drive.google.com/file/d/'
                                      '1FrhbdwNyTlQYNbF9IgFF2tY3iQXHFcau/view')
    assert NAMED_MODELS['hr'].url == ('https://drive.google.com/file/d/'
                                      '143kerk4WOerGZMqR-cAETb7rOcoQ0CQ_/view')
    assert NAMED_MODELS['demo'].url is None


def test_available_models_are_those_whose_weights_are_here(weights_home,
                                                           lr_home):
    from segrefiner.model_zoo import available_models
    assert available_models() == ['demo', 'lr']
    os.remove(os.path.join(lr_home, 'segrefiner_lr_latest.pth'))
    assert available_models() == ['demo']
