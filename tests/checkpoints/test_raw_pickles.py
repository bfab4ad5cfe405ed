"""segrefiner.checkpoints.raw_pickles: mmdet result pickles are data."""
import collections
import io
import os
import pickle
import tarfile

import numpy as np
import pytest
import torch
from crafted import Reduces

from segrefiner.checkpoints import (NotACheckpointError,
                                    UnsafeCheckpointError, read_pickle_file)
from segrefiner.io import read_result_file


def test_an_mmdet_results_file_comes_back(tmp_path):
    entries = [dict(img_path='a.jpg', ori_shape=(4, 6),
                    pred_instances=dict(bboxes=torch.rand(2, 4),
                                        labels=torch.arange(2),
                                        scores=np.float32([0.5, 0.25]),
                                        masks=[dict(size=[4, 6],
                                                    counts=b'abc')]))]
    path = tmp_path / 'results.pkl'
    path.write_bytes(pickle.dumps(entries, protocol=2))
    out = read_result_file(path, 'pickle')
    pred, want = out[0]['pred_instances'], entries[0]['pred_instances']
    assert torch.equal(pred['bboxes'], want['bboxes'])
    assert torch.equal(pred['labels'], want['labels'])
    assert np.array_equal(pred['scores'], want['scores'])
    assert pred['masks'] == want['masks'] and out[0]['ori_shape'] == (4, 6)


def test_a_results_file_that_runs_code_is_refused(tmp_path):
    marker = tmp_path / 'ran'
    path = tmp_path / 'results.pkl'
    path.write_bytes(pickle.dumps(
        [dict(img_path='a.jpg', x=Reduces(os.system, f'touch {marker}'))],
        protocol=2))
    with pytest.raises(UnsafeCheckpointError,
                       match="results.pkl.*'posix.system'"):
        read_result_file(path, 'pickle')
    assert not marker.exists()


@pytest.mark.filterwarnings('ignore:TypedStorage is deprecated')
def test_a_tensor_declaring_more_than_it_holds_is_refused(tmp_path):
    # a raw pickle's tensor: a legacy torch.save blob of its storage, whose
    # persistent id declares the element count (4 -> 2**30: 4 GiB)
    buffer = io.BytesIO()
    torch.save(torch.ones(4).storage(), buffer,
               _use_new_zipfile_serialization=False)
    blob = buffer.getvalue()
    assert blob.count(b'cpuq\x03K\x04N') == 1
    blob = blob.replace(b'cpuq\x03K\x04N', b'cpuq\x03J\x00\x00\x00\x40N')
    tensor = Reduces(torch._utils._rebuild_tensor_v2,
                     Reduces(torch.storage._load_from_bytes, blob), 0, (4, ),
                     (1, ), False, collections.OrderedDict())
    path = tmp_path / 'results.pkl'
    path.write_bytes(pickle.dumps([tensor], protocol=2))
    with pytest.raises(NotACheckpointError,
                       match='results.pkl: a tensor declares more data'):
        read_pickle_file(path)


def test_other_protocols_and_non_pickles_are_named(tmp_path):
    path = tmp_path / 'r.pkl'
    path.write_bytes(pickle.dumps([1], protocol=5))
    with pytest.raises(NotACheckpointError, match='r.pkl: a pickle of '
                       'protocol 5, not a pickle of protocol 2'):
        read_pickle_file(path)
    path.write_text('[1, 2]')
    with pytest.raises(NotACheckpointError, match='r.pkl: a text file'):
        read_pickle_file(path)


def test_a_tar_tensor_blob_is_refused_without_blocking(tmp_path):
    """A tensor blob that starts like a legacy storage but is a tar whose
    members link to a FIFO and stdin: torch's tar branch would open them."""
    from crafted import LEGACY_MAGIC_NAME
    fifo = tmp_path / 'fifo'
    os.mkfifo(fifo)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w', format=tarfile.GNU_FORMAT,
                      encoding='latin-1') as archive:
        for name, target in ((LEGACY_MAGIC_NAME, str(fifo)),
                             ('storages', str(fifo)),
                             ('tensors', '/dev/stdin')):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    blob = buffer.getvalue()
    assert blob.startswith(LEGACY_MAGIC_NAME.encode('latin-1'))
    tensor = Reduces(torch._utils._rebuild_tensor_v2,
                     Reduces(torch.storage._load_from_bytes, blob), 0, (4, ),
                     (1, ), False, collections.OrderedDict())
    path = tmp_path / 'results.pkl'
    path.write_bytes(pickle.dumps([tensor], protocol=2))
    with pytest.raises(UnsafeCheckpointError, match='results.pkl.*tar'):
        read_pickle_file(path)
