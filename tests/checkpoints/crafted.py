"""Crafted files, built at run time (never committed): each one tries to
make a checkpoint or result reader act (write a file, change a function,
corrupt memory, allocate without bound or block). ``build_all`` writes them
into a folder; an attack that works creates a file under ``markers/``.
``run_crafted.py`` loads them through every entry point."""
import collections
import io
import os
import pickle
import struct
import tarfile
import zipfile
from pathlib import Path
from typing import Dict

import numpy as np
import torch

TORCHSCRIPT_TRAILER = b'PK\x05\x06'
#: The first bytes of a legacy torch file, as a tar member name.
LEGACY_MAGIC_NAME = (b'\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19'
                     ).decode('latin-1')


class Reduces:
    """Pickles as ``func(*args)`` (optionally followed by ``BUILD state``)."""

    def __init__(self, func, *args, state=None) -> None:
        self.func, self.args, self.state = func, args, state

    def __reduce__(self):
        if self.state is None:
            return (self.func, self.args)
        return (self.func, self.args, self.state)


def torch_zip(path: Path, data_pkl: bytes, records: Dict[str, bytes] = None,
              compression: int = zipfile.ZIP_STORED) -> Path:
    """A ``torch.save``-layout zip around a hand-made ``data.pkl``."""
    with zipfile.ZipFile(path, 'w', compression) as archive:
        archive.writestr('archive/data.pkl', data_pkl)
        for name, data in (records or {}).items():
            archive.writestr(f'archive/{name}', data)
        archive.writestr('archive/byteorder', 'little')
        archive.writestr('archive/version', '3\n')
    return path


class _Pid:

    def __init__(self, pid) -> None:
        self.pid = pid


class _PidPickler(pickle.Pickler):

    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, _Pid) else None


def _pickle_with_storage(numel: int) -> bytes:
    """``{'w': tensor}`` whose storage ``'0'`` declares ``numel`` floats."""
    buffer = io.BytesIO()
    storage = _Pid(('storage', torch.FloatStorage, '0', 'cpu', numel))
    tensor = Reduces(torch._utils._rebuild_tensor_v2, storage, 0, (numel, ),
                     (1, ), False, collections.OrderedDict())
    _PidPickler(buffer, protocol=2).dump({'w': tensor})
    return buffer.getvalue()


def torchscript(folder: Path, markers: Path) -> Path:
    """A TorchScript archive with 4 trailing bytes (Python's zipfile then
    says "not a zip"): torch.load would hand it to torch.jit.load."""
    path = folder / 'torchscript.pth'
    torch.jit.script(torch.nn.Linear(2, 2)).save(str(path))
    with open(path, 'ab') as file:
        file.write(TORCHSCRIPT_TRAILER)
    return path


def torchscript_zip64(folder: Path, markers: Path) -> Path:
    """The same archive rewritten with zip64 headers."""
    plain = folder / 'ts_plain.pt'
    torch.jit.script(torch.nn.Linear(2, 2)).save(str(plain))
    path = folder / 'torchscript_zip64.pth'
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, 'w') as dst:
        for info in src.infolist():
            with dst.open(info.filename, 'w', force_zip64=True) as out:
                out.write(src.read(info))
    plain.unlink()
    return path


class Patched(torch.nn.Module):
    dump_patches = True


def legacy_module_patch(folder: Path, markers: Path) -> Path:
    """A legacy (pre-zip) file whose ``'module'`` persistent id makes
    ``_check_container_source`` write ``Patched.patch`` (a diff against
    ``source_file``) in the working directory: the markers folder when
    ``run_crafted.py`` runs there. Loaded with ``weights_only=False``, it
    does."""
    path = folder / 'legacy_module.pth'
    buffer = io.BytesIO()
    for head in (0x1950a86a20f9469cfc6c, 1001, dict(protocol_version=1001,
                                                  little_endian=True,
                                                  type_sizes={})):
        pickle.dump(head, buffer, protocol=2)
    _PidPickler(buffer, protocol=2).dump(
        _Pid(('module', Patched, str(markers / 'x.py'), 'class X: pass\n')))
    pickle.dump([], buffer, protocol=2)
    path.write_bytes(buffer.getvalue())
    return path


def build_on_rebuild_function(folder: Path, markers: Path) -> Path:
    """``BUILD`` on ``_rebuild_tensor_v2`` setting its ``__defaults__``."""
    data = (b'\x80\x02ctorch._utils\n_rebuild_tensor_v2\nN}X\x0c\x00\x00\x00'
            b'__defaults__(\x88NNt\x85s\x86b.')
    return torch_zip(folder / 'build_defaults.pth', data)


def numpy_object_array(folder: Path, markers: Path) -> Path:
    """``ndarray(shape, dtype('O'), buffer=...)``: raw bytes as pointers."""
    path = folder / 'numpy_objects.pth'
    torch.save(dict(meta=Reduces(np.ndarray, (2, ), np.dtype('O'),
                                 b'\x41' * 16)), path)
    return path


def numpy_dtype_fields(folder: Path, markers: Path) -> Path:
    """A dtype whose ``BUILD`` sets object fields over a float."""
    path = folder / 'numpy_dtype.pth'
    state = (3, '|', None, ('a', ), {'a': (np.dtype('O'), 0)}, 8, 1, 0x3f)
    torch.save(dict(meta=Reduces(np.dtype, 'f8', False, True, state=state)),
               path)
    return path


def os_system(folder: Path, markers: Path) -> Path:
    path = folder / 'os_system.pth'
    torch.save(dict(meta=Reduces(os.system, f'touch {markers}/system')),
               path)
    return path


def huge_declared_size(folder: Path, markers: Path) -> Path:
    """427 bytes of pickle declaring a 40 GB storage over a 4-byte record."""
    return torch_zip(folder / 'huge_size.pth', _pickle_with_storage(10**10),
                     {'data/0': b'\0' * 4})


def allocating_call(folder: Path, markers: Path) -> Path:
    """``bytearray(10**10)``: a global of torch's defaults that allocates."""
    path = folder / 'bytearray.pth'
    torch.save(dict(meta=Reduces(bytearray, 10**10)), path)
    return path


def compressed_bomb(folder: Path, markers: Path) -> Path:
    """A deflated 64 MB storage record in a file of about 64 kB."""
    numel = 16 << 20
    return torch_zip(folder / 'bomb.pth', _pickle_with_storage(numel),
                     {'data/0': b'\0' * (4 * numel)}, zipfile.ZIP_DEFLATED)


def legacy_tar_fifo(folder: Path, markers: Path) -> Path:
    """A legacy tar whose members link to a FIFO and to stdin."""
    fifo = markers / 'fifo'
    os.mkfifo(fifo)
    path = folder / 'legacy_tar.pth'
    with tarfile.open(path, 'w') as archive:
        for name, target in (('storages', str(fifo)), ('tensors',
                                                       '/dev/stdin')):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return path


def fifo(folder: Path, markers: Path) -> Path:
    path = folder / 'fifo.pth'
    os.mkfifo(path)
    return path


def folder(folder: Path, markers: Path) -> Path:
    path = folder / 'folder.pth'
    path.mkdir()
    return path


def png(folder: Path, markers: Path) -> Path:
    path = folder / 'image.pth'
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + struct.pack('>I', 13) + b'IHDR' +
                     b'\0' * 40)
    return path


def text(folder: Path, markers: Path) -> Path:
    path = folder / 'text.pth'
    path.write_text('model = dict(type="SegRefiner")\n')
    return path


def empty(folder: Path, markers: Path) -> Path:
    path = folder / 'empty.pth'
    path.write_bytes(b'')
    return path


def truncated(folder: Path, markers: Path) -> Path:
    path = folder / 'truncated.pth'
    buffer = io.BytesIO()
    torch.save({'w': torch.ones(1000)}, buffer)
    path.write_bytes(buffer.getvalue()[:2000])
    return path


#: name -> (builder, words the refusal must contain)
CRAFTED: Dict[str, tuple] = {
    'torchscript': (torchscript, 'TorchScript'),
    'torchscript_zip64': (torchscript_zip64, 'TorchScript'),
    'legacy_module': (legacy_module_patch, 'legacy'),
    'build_defaults': (build_on_rebuild_function, 'Can only build'),
    'numpy_objects': (numpy_object_array, 'numpy.ndarray'),
    'numpy_dtype': (numpy_dtype_fields, 'numpy dtype'),
    'os_system': (os_system, "'posix.system'"),
    'huge_size': (huge_declared_size, 'record size'),
    'bytearray': (allocating_call, "'builtins.bytearray'"),
    'bomb': (compressed_bomb, 'compressed'),
    'legacy_tar': (legacy_tar_fifo, 'tar'),
    'fifo': (fifo, 'not a regular file'),
    'folder': (folder, 'a folder'),
    'png': (png, 'a PNG image'),
    'text': (text, 'a text file'),
    'empty': (empty, 'an empty file'),
    'truncated': (truncated, 'truncated'),
}


def build_all(root: Path) -> Dict[str, Path]:
    """Every crafted file under ``root/files``; markers go to
    ``root/markers`` (empty unless an attack worked)."""
    files, markers = root / 'files', root / 'markers'
    files.mkdir()
    markers.mkdir(exist_ok=True)
    return {name: build(files, markers)
            for name, (build, _) in CRAFTED.items()}
