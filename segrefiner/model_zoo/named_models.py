"""Named models (``'demo'``, ``'lr'``, ``'hr'``) and the weights cache.

``init_refiner('lr')`` and a host config's ``refiner=dict(type=
'SegRefiner')`` name a model instead of a config file and a checkpoint:

* ``'demo'``: the embedded demo model, config and weights in this package
  (``demo_config.py``, ``demo.safetensors``).
* ``'lr'`` / ``'hr'``: the official LR- and HR-SegRefiner. Their config is
  ``SegRefiner``'s defaults (the official model, the same for both); their
  weights are the official releases, looked up in the cache directory
  ``$SEGREFINER_HOME`` (default ``~/.cache/segrefiner``) under their release
  names ``segrefiner_lr_latest.pth`` and ``segrefiner_hr_latest.pth``,
  either the raw official files or ``tools/convert_official_checkpoint.py``
  output. Nothing is downloaded here: a missing file is a
  :class:`MissingWeightsError` that names it and says how to get it.

The release pages are the Google Drive links of the official README
(github.com/MengyuWang826/SegRefiner, "Evaluation").
"""
import os
from dataclasses import dataclass
from typing import Optional, Union

HOME_ENV = 'SEGREFINER_HOME'
DEFAULT_HOME = os.path.join('~', '.cache', 'segrefiner')
#: The ``checkpoint`` value that asks for random initial weights.
RANDOM_WEIGHTS = 'random'
HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass(frozen=True)
class NamedModel:
    """One named model.

    Attributes:
        name: ``'demo'``, ``'lr'`` or ``'hr'``.
        title: What it is, for messages.
        config: Config file or config dict (with ``model``).
        file_name: Weights file name: the release name, or the bundled
            file in this package.
        drive_id: Google Drive id of the official release (``None``:
            bundled in the package).
    """
    name: str
    title: str
    config: Union[str, dict]
    file_name: str
    drive_id: Optional[str] = None

    @property
    def url(self) -> Optional[str]:
        """Where the official release is published."""
        return (None if self.drive_id is None else
                f'https://drive.google.com/file/d/{self.drive_id}/view')

    @property
    def bundled(self) -> bool:
        return self.drive_id is None


OFFICIAL_CONFIG = dict(model=dict(type='SegRefiner'))
NAMED_MODELS = {
    'demo':
    NamedModel('demo', 'the embedded demo model',
               os.path.join(HERE, 'demo_config.py'), 'demo.safetensors'),
    'lr':
    NamedModel('lr', 'LR-SegRefiner (official, instance refinement)',
               OFFICIAL_CONFIG, 'segrefiner_lr_latest.pth',
               '1FrhbdwNyTlQYNbF9IgFF2tY3iQXHFcau'),
    'hr':
    NamedModel('hr', 'HR-SegRefiner (official, high resolution)',
               OFFICIAL_CONFIG, 'segrefiner_hr_latest.pth',
               '143kerk4WOerGZMqR-cAETb7rOcoQ0CQ_'),
}
RELEASES = ('lr', 'hr')


class MissingWeightsError(FileNotFoundError):
    """A named model's weights file is not where it is looked for."""


class RandomWeightsWarning(UserWarning):
    """A model was built with random initial weights (``checkpoint=
    'random'``): what it refines is meaningless. Silence it where that is
    the point, e.g. ``warnings.simplefilter('ignore', RandomWeightsWarning)``
    in a benchmark."""


def segrefiner_home() -> str:
    """The weights cache: ``$SEGREFINER_HOME`` or ``~/.cache/segrefiner``."""
    return os.path.abspath(
        os.path.expanduser(os.environ.get(HOME_ENV) or DEFAULT_HOME))


def is_model_name(value) -> bool:
    """Whether ``value`` names a model (``'demo'``, ``'lr'``, ``'hr'``)."""
    return isinstance(value, str) and value in NAMED_MODELS


def weights_path(name: str) -> str:
    """Where the weights of the named model are looked for.

    Example:
        >>> weights_path('lr')  # with SEGREFINER_HOME unset
        '/home/me/.cache/segrefiner/segrefiner_lr_latest.pth'
    """
    model = NAMED_MODELS[name]
    folder = HERE if model.bundled else segrefiner_home()
    return os.path.join(folder, model.file_name)


def how_to_get(name: str) -> str:
    """Instructions for placing the weights of a named model."""
    model, path = NAMED_MODELS[name], weights_path(name)
    if model.bundled:
        return (f'{path} ships with the package: reinstall segrefiner '
                '(pip install -e .)')
    return (f'download {model.file_name} from {model.url} (the link in the '
            'official SegRefiner README), then put it at\n    '
            f'{path}\n  (or set {HOME_ENV} to the folder that holds it); '
            f'`python tools/get_weights.py {name}` shows where the releases '
            'are published and checks a placed file')


def resolve_checkpoint(
        checkpoint: Union[str, os.PathLike, None]) -> Optional[str]:
    """The weights file a ``checkpoint`` value means.

    Args:
        checkpoint: A named model (``'lr'``, ``'hr'``, ``'demo'``: its
            weights), ``'random'`` or ``None`` (no weights), or a path.

    Returns:
        The file to load, or ``None`` for random initial weights.

    Raises:
        MissingWeightsError: A named model's file is missing; the message
            names the file and how to get it.
    """
    if checkpoint is None or checkpoint == RANDOM_WEIGHTS:
        return None
    if not is_model_name(checkpoint):
        return os.fspath(checkpoint)
    path = weights_path(checkpoint)
    if not os.path.isfile(path):
        raise MissingWeightsError(
            f'{NAMED_MODELS[checkpoint].title}: weights not found: {path}\n'
            f'  {how_to_get(checkpoint)}')
    return path
