"""Every file format of the package: images, masks, label maps, result files
(mmdet pickle, COCO json, RLE), folder listings and atomic writes."""
from .atomic import PathLike, atomic_write_bytes, clean_stale_temps, temp_owner
from .images import (ImageLike, load_image, load_mask, read_image_file,
                     to_uint8, write_image)
from .listing import (FORMATS, MASK_SUFFIXES, Pair, detect_format, list_masks,
                      pair_files, resolve_image)
from .predictions import (fit_to, mask_output_name, read_label_map,
                          read_mask_file, write_label_map, write_mask)
from .results import encode_rle, read_result_file

__all__ = [
    'FORMATS', 'ImageLike', 'MASK_SUFFIXES', 'Pair', 'PathLike',
    'atomic_write_bytes', 'clean_stale_temps', 'detect_format', 'encode_rle',
    'fit_to', 'list_masks', 'load_image', 'load_mask', 'mask_output_name',
    'pair_files',
    'read_image_file', 'read_label_map', 'read_mask_file', 'read_result_file',
    'resolve_image', 'temp_owner', 'to_uint8', 'write_image',
    'write_label_map', 'write_mask'
]
