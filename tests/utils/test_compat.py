import numpy as np
import torch
from mmengine.runner import CheckpointLoader

from segrefiner.utils import enable_trusted_checkpoint_loading


def test_mmengine_loads_full_training_checkpoints(tmp_path):
    path = tmp_path / 'iter_1.pth'
    torch.save(dict(meta=dict(iter=np.int64(1)), state_dict={}), path)
    assert enable_trusted_checkpoint_loading()
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert ckpt['meta']['iter'] == 1
