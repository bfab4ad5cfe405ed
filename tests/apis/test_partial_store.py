"""segrefiner.apis.partial_store: the --resume store is JSON, never run."""
import os
import pickle

from segrefiner.apis.partial_store import PartialStore


class RunsSystem:

    def __init__(self, command) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command, ))


def test_masks_round_trip_and_a_planted_pickle_is_ignored(tmp_path):
    store = PartialStore(tmp_path / 'out.pkl', resume=False)
    masks = [dict(size=[4, 6], counts=b'abc'), dict(size=[4, 6],
                                                     counts='de')]
    store.put('a.jpg', 'digest', masks)
    assert store.get('a.jpg', 'digest') == masks
    assert store.get('a.jpg', 'other digest') is None
    marker = tmp_path / 'ran'
    entry = store._path('a.jpg')
    assert entry.suffix == '.json'
    entry.write_bytes(pickle.dumps(RunsSystem(f'touch {marker}')))
    for name in ('a.jpg', 'b.jpg'):
        store._path(name).with_suffix('.pkl').write_bytes(
            pickle.dumps(RunsSystem(f'touch {marker}')))
    assert store.get('a.jpg', 'digest') is None
    assert store.get('b.jpg', 'digest') is None
    assert not marker.exists()
    store.finish()
    assert not store.folder.exists()
