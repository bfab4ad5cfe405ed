"""Prediction formats: how saved predictions are read and written back.

One object per format (:mod:`.base`), one table of them (:mod:`.registry`);
the batch runners of :mod:`segrefiner.apis` and ``tools/refine.py`` go
through the table. docs/formats.md lists them.
"""
from .base import (FileFormat, FolderFormat, Group, Prediction,
                   PredictionFormat)
from .registry import FORMATS, check_flags, detect_format

__all__ = [
    'FORMATS', 'FileFormat', 'FolderFormat', 'Group', 'Prediction',
    'PredictionFormat', 'check_flags', 'detect_format'
]
