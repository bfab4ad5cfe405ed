"""mmengine 0.10.7 on torch >= 2.6: loading full training checkpoints.

torch 2.6 made ``torch.load(weights_only=True)`` the default, and mmengine
0.10.7's loaders call ``torch.load`` without the argument, so ``load_from``
and ``resume`` fail on the checkpoints mmengine itself writes (numpy scalars
and ``HistoryBuffer`` in ``meta``/``message_hub``; open-mmlab/mmengine#1655,
fixed on mmengine main by #1670, unreleased). Rather than an environment
variable, :func:`enable_trusted_checkpoint_loading` re-registers mmengine's
local-file scheme with ``weights_only=False``: the
training tools call it, since the checkpoints they load are the user's own
and trusted like code; ``torch.load`` itself is left untouched.
"""
import torch
from mmengine.runner import CheckpointLoader
from mmengine.utils import digit_version


def _load_trusted_local(filename: str, map_location=None):
    return torch.load(filename, map_location=map_location, weights_only=False)


def enable_trusted_checkpoint_loading() -> bool:
    """Make mmengine load local checkpoints with ``weights_only=False``.

    Returns:
        Whether the override was installed (only on torch >= 2.6).
    """
    if digit_version(torch.__version__) < digit_version('2.6.0'):
        return False
    CheckpointLoader.register_scheme(prefixes='', force=True)(
        _load_trusted_local)
    return True
