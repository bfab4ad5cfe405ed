"""The errors of reading a checkpoint or result file as data."""
import pickle

__all__ = ['UnsafeCheckpointError', 'NotACheckpointError']


class UnsafeCheckpointError(pickle.UnpicklingError, RuntimeError):
    """A file would need code to load: its pickle names a global outside
    the allowlist (``docs/checkpoints.md``), or it is a TorchScript archive
    or a legacy (non-zip) torch file. The message names the file and the
    global or format, and how to convert or trust the file."""


class NotACheckpointError(RuntimeError):
    """A file is not a checkpoint at all (a folder, an image, text, an
    empty or truncated file, ...), or is one that breaks a bound (size,
    compressed records). The message names the file and what it is."""
