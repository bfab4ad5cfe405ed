"""Named models and their weights: ``init_refiner('demo' | 'lr' | 'hr')``.

* ``'demo'`` is the embedded default model (``init_refiner()`` with no
  arguments): ``demo_config.py`` is the model part of ``configs/segrefiner/
  segrefiner_demo.py``, written out in full so that the installed package
  needs no repository configs; ``demo.safetensors`` holds its weights
  (tensors only, no pickle), trained on CPU with ``tools/train.py configs/segrefiner/
  segrefiner_demo.py`` (README).
* ``'lr'`` and ``'hr'`` are the official releases, found in the weights
  cache (:mod:`.named_models`) and checked or fetched by :mod:`.releases`
  (``tools/get_weights.py``).
"""
from .named_models import (HOME_ENV, NAMED_MODELS, RANDOM_WEIGHTS, RELEASES,
                           MissingWeightsError, NamedModel,
                           RandomWeightsWarning, how_to_get, is_model_name,
                           resolve_checkpoint, segrefiner_home, weights_path)
from .releases import FetchError, WeightsReport, fetch_release, verify_weights

__all__ = [
    'HOME_ENV', 'NAMED_MODELS', 'RANDOM_WEIGHTS', 'RELEASES',
    'MissingWeightsError', 'NamedModel', 'RandomWeightsWarning',
    'how_to_get', 'is_model_name',
    'resolve_checkpoint', 'segrefiner_home', 'weights_path', 'FetchError',
    'WeightsReport', 'fetch_release', 'verify_weights'
]
