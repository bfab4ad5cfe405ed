"""The contract of a prediction format of ``tools/refine.py``.

A format is one object that knows one way of saving predictions: whether a
path holds it (:meth:`PredictionFormat.detect`), which of the tool's flags
it takes, how to read one image's prediction and how to write the refined
one back in the same layout. The objects only read and write: the batch
runners of :mod:`segrefiner.apis` (``refine_folder``, ``refine_results``)
refine what they read with the protocol that the format names, so a format
never touches the model. :mod:`.registry` holds the table of formats.
"""
from abc import ABC, abstractmethod
from pathlib import Path
from typing import (Any, ClassVar, FrozenSet, List, NamedTuple, Optional,
                    Sequence, Tuple)

import numpy as np

from ..io import Pair, PathLike

__all__ = [
    'FileFormat', 'FolderFormat', 'Group', 'Prediction', 'PredictionFormat'
]


class Prediction(NamedTuple):
    """One image's prediction as read, and what writing it back needs.

    Attributes:
        data: The array to refine: an HxW bool mask (protocol ``'mask'``),
            an HxW integer label map (``'labelmap'``) or ``(N, H, W)``
            masks (``'instances'``, ``N`` may be 0), at the image's size.
        keep: The format's own record of the input (scale, palette, the
            fields to write back unchanged).
    """
    data: np.ndarray
    keep: Any


class Group(NamedTuple):
    """The instances of one image in a one-file result.

    Attributes:
        key: Unique name of the image in the results (store key).
        name: The image's file name (``img_path``, ``file_name``) to look up.
        segmentations: The coarse masks as stored (RLE dicts, polygons).
        size: ``(height, width)`` for polygons, if known.
        problem: Why the image cannot be refined (``None``: it can).
    """
    key: str
    name: str
    segmentations: List[Any]
    size: Optional[tuple] = None
    problem: Optional[str] = None


class PredictionFormat(ABC):
    """A way of saving predictions (see the module docstring).

    Attributes:
        name: The ``--format`` name.
        protocol: How its predictions are refined: ``'mask'`` (one binary
            mask per image, ``--mode``), ``'labelmap'`` (semantic) or
            ``'instances'`` (every mask of an image together, the
            object-crop protocol).
        reads: What it reads, for ``--help`` and the docs.
        flags: The optional flags of ``tools/refine.py`` it takes
            (``'ann'``, ``'mode'``, ``'batch_images'``).
        needs: The flags it cannot do without.
        unit: What its progress bar counts.
    """
    name: ClassVar[str]
    protocol: ClassVar[str]
    reads: ClassVar[str]
    flags: ClassVar[FrozenSet[str]] = frozenset()
    needs: ClassVar[FrozenSet[str]] = frozenset()
    unit: ClassVar[str] = 'images'
    #: One output file for all images (:class:`FileFormat`) or one output
    #: per image in a folder (:class:`FolderFormat`).
    one_file: ClassVar[bool]

    def detect(self, images: Path, predictions: Path) -> bool:
        """Whether ``predictions`` (with ``images``) is in this format."""
        return False

    def check(self, images: Path, predictions: Path) -> Optional[str]:
        """The problem of these inputs before anything is read (``None``:
        none)."""
        return None


class FolderFormat(PredictionFormat):
    """A format with one prediction per image, written to an output folder
    under the prediction's own name (a file or a folder)."""
    one_file = False

    @abstractmethod
    def pairs(self, image_dir: Path, pred_dir: Path) -> List[Pair]:
        """Every image and its prediction, unmatched ones with a problem."""

    def check_pairs(self, pairs: List[Pair]) -> None:
        """Refuse the whole input before anything is refined (``ValueError``
        naming the file); a bad pair alone is reported by the batch."""

    def output_name(self, pair: Pair) -> str:
        """The name of ``pair``'s refinement in the output folder: the
        prediction's own."""
        return pair.mask.name

    @abstractmethod
    def read(self, pair: Pair, shape: Tuple[int, int],
             resize: bool) -> Prediction:
        """The prediction of ``pair`` at the image's ``shape`` (``resize``:
        nearest-resized to it, else a size mismatch raises ``ValueError``).
        """

    @abstractmethod
    def write(self, out: Path, prediction: Prediction,
              refined: np.ndarray) -> None:
        """Write ``refined`` (``prediction.data``'s shape, bool or label
        map) to ``out`` in the input's layout, atomically."""


class FileFormat(PredictionFormat):
    """A one-file result of instance masks (RLE or polygons) of many
    images, written back as one file with the same structure."""
    one_file = True
    protocol = 'instances'

    def inputs(self, results: PathLike,
               ann_file: Optional[PathLike]) -> List[PathLike]:
        """The files it reads (never overwritten)."""
        return [results] + ([ann_file] if ann_file is not None else [])

    @abstractmethod
    def read(self, results: PathLike,
             ann_file: Optional[PathLike]) -> Tuple[Any, List[Group]]:
        """The file's content and its images' instances.

        Raises:
            ValueError: Naming the file, if it is not of this format.
        """

    @abstractmethod
    def write(self, content: Any, groups: Sequence[Group],
              refined: Sequence[Optional[list]]) -> bytes:
        """The output file: ``content`` with each group's refined
        segmentations (``None``: unchanged)."""
