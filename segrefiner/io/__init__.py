"""Every file format of the package: images, masks, label maps, result files
(mmdet pickle, COCO json), RLE, folder listings and atomic writes; the
prediction formats of ``tools/refine.py`` are built on them
(:mod:`segrefiner.formats`)."""
from .atomic import (PathLike, atomic_folder, atomic_write_bytes,
                     clean_stale_temps, temp_owner)
from .images import (ImageLike, load_image, load_mask, read_image_file,
                     to_uint8, write_image)
from .listing import (MASK_SUFFIXES, Pair, index_by_key, list_masks,
                      match_pairs, pair_files, resolve_image)
from .predictions import (check_size, fit_to, read_label_map, read_mask_file,
                          write_label_map, write_mask)
from .results import read_result_file
from .rle import decode_segmentation, encode_rle, encode_uncompressed_rle

__all__ = [
    'ImageLike', 'MASK_SUFFIXES', 'Pair', 'PathLike', 'atomic_folder',
    'atomic_write_bytes', 'check_size', 'clean_stale_temps', 'decode_segmentation',
    'encode_rle', 'encode_uncompressed_rle', 'fit_to', 'index_by_key',
    'list_masks', 'load_image', 'load_mask', 'match_pairs', 'pair_files',
    'read_image_file', 'read_label_map', 'read_mask_file', 'read_result_file',
    'resolve_image', 'temp_owner', 'to_uint8', 'write_image',
    'write_label_map', 'write_mask'
]
