"""mmengine's local-file loader reads checkpoints with the safe reader."""
import numpy as np
import pytest
import torch
from mmengine.runner import CheckpointLoader

from segrefiner.checkpoints import (UnsafeCheckpointError,
                                    use_safe_checkpoint_loader)


@pytest.fixture
def restore_loader():
    schemes = dict(CheckpointLoader._schemes)
    yield
    CheckpointLoader._schemes = type(CheckpointLoader._schemes)(schemes)


def test_mmengine_reads_training_checkpoints_as_data(tmp_path,
                                                     malicious_checkpoint,
                                                     restore_loader):
    from mmengine.logging import HistoryBuffer
    path = tmp_path / 'iter_1.pth'
    torch.save(
        dict(meta=dict(iter=np.int64(1)),
             state_dict={},
             message_hub=dict(log_scalars=dict(
                 loss=HistoryBuffer([1.0, 2.0], [1, 1])))), path)
    use_safe_checkpoint_loader()
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert ckpt['meta']['iter'] == 1
    loss = ckpt['message_hub']['log_scalars']['loss']
    assert isinstance(loss, HistoryBuffer) and loss.mean() == 1.5
    evil, marker = malicious_checkpoint
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        CheckpointLoader.load_checkpoint(str(evil))
    assert not marker.exists()
    use_safe_checkpoint_loader(trust=True)  # the explicit opt-in
    CheckpointLoader.load_checkpoint(str(evil))['meta']['note'].close()
    assert marker.exists()


def test_an_earlier_choice_is_kept_when_asked(restore_loader):
    from segrefiner.checkpoints.mmengine_loader import (
        load_from_local_as_data, load_from_local_trusted)
    use_safe_checkpoint_loader(trust=True)
    use_safe_checkpoint_loader(replace=False)  # what the adapters do
    assert CheckpointLoader._schemes[''] is load_from_local_trusted
    use_safe_checkpoint_loader()
    assert CheckpointLoader._schemes[''] is load_from_local_as_data


def test_what_mmengine_would_evaluate_never_reaches_it(tmp_path,
                                                       restore_loader):
    marker = tmp_path / 'ran'
    path = tmp_path / 'iter_2.pth'
    source = f"import os\nos.system('touch {marker}')\ngpu_ids = [0]\n"
    torch.save(dict(meta=dict(iter=2, epoch=0, config=source, cfg=source,
                              dataset_meta=dict(classes=('a', 'b'))),
                    state_dict={}), path)
    use_safe_checkpoint_loader()
    ckpt = CheckpointLoader.load_checkpoint(str(path))
    assert 'config' not in ckpt['meta']  # Runner.resume would run it
    assert ckpt['meta']['cfg'] == source  # mmengine never evaluates 'cfg'
    assert ckpt['meta']['dataset_meta'] == dict(classes=('a', 'b'))
    torch.save(dict(meta=dict(dataset_meta=dict(d=torch.device('cpu'))),
                    state_dict={}), path)
    with pytest.raises(UnsafeCheckpointError,
                       match=r"iter_2.pth: meta\['dataset_meta'\]\['d'\] "
                       'holds a device'):
        CheckpointLoader.load_checkpoint(str(path))
    assert not marker.exists()
