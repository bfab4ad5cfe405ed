"""segment-anything's automatic masks, saved as its ``scripts/amg.py`` saves
them, for the tests of the ``sam`` format.

``generate()`` records (``segment_anything/automatic_mask_generator.py``):
``area`` from the RLE, ``bbox`` ``box_xyxy_to_xywh`` of
``batched_mask_to_box`` (rebuilt here in torch as SAM computes it, the
tests' reference), ``predicted_iou`` and ``stability_score`` floats,
``point_coords`` ``[[x, y]]``, ``crop_box`` XYWH. Layouts: ``amg.py``'s
``write_masks_to_folder`` (PNG + ``metadata.csv``) and, with
``--convert-to-rle``, ``json.dump`` of the records.
"""
import json
import os

import cv2
import numpy as np
import torch
from pycocotools import mask as mask_utils

HEADER = ('id,area,bbox_x0,bbox_y0,bbox_w,bbox_h,point_input_x,'
          'point_input_y,predicted_iou,stability_score,crop_box_x0,'
          'crop_box_y0,crop_box_w,crop_box_h')


def sam_box(mask):
    """SAM's ``box_xyxy_to_xywh(batched_mask_to_box(mask))`` as a list."""
    masks = torch.as_tensor(mask, dtype=torch.bool)[None]
    h, w = masks.shape[-2:]
    in_height, _ = torch.max(masks, dim=-1)
    coords = in_height * torch.arange(h)[None, :]
    bottom, _ = torch.max(coords, dim=-1)
    top, _ = torch.min(coords + h * (~in_height), dim=-1)
    in_width, _ = torch.max(masks, dim=-2)
    coords = in_width * torch.arange(w)[None, :]
    right, _ = torch.max(coords, dim=-1)
    left, _ = torch.min(coords + w * (~in_width), dim=-1)
    empty = (right < left) | (bottom < top)
    box = torch.stack([left, top, right, bottom], dim=-1) * (~empty)[:, None]
    box = box[0].clone()
    box[2] -= box[0]
    box[3] -= box[1]
    return box.tolist()


def sam_records(masks, output_mode='binary_mask', seed=0):
    """The records ``generate()`` returns for ``masks`` (N, H, W)."""
    rng = np.random.default_rng(seed)
    records = []
    for mask in np.asarray(masks, bool):
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        rle['counts'] = rle['counts'].decode('utf-8')
        segmentation = dict(binary_mask=mask, coco_rle=rle)[output_mode]
        h, w = mask.shape
        records.append(dict(
            segmentation=segmentation,
            area=int(mask.sum()),
            bbox=sam_box(mask),
            predicted_iou=float(rng.uniform(0.88, 1.0)),
            point_coords=[[float(rng.integers(w)) + 0.5,
                           float(rng.integers(h)) + 0.25]],
            stability_score=float(rng.uniform(0.95, 1.0)),
            crop_box=[0, 0, w, h]))
    return records


def write_png_layout(output, stem, records):
    """``amg.py``'s ``write_masks_to_folder`` into ``output/stem``."""
    path = os.path.join(output, stem)
    os.makedirs(path, exist_ok=False)
    metadata = [HEADER]
    for i, mask_data in enumerate(records):
        mask = mask_data['segmentation']
        cv2.imwrite(os.path.join(path, f'{i}.png'),
                    (mask * 255).astype(np.uint8))
        metadata.append(','.join([
            str(i), str(mask_data['area']),
            *[str(x) for x in mask_data['bbox']],
            *[str(x) for x in mask_data['point_coords'][0]],
            str(mask_data['predicted_iou']),
            str(mask_data['stability_score']),
            *[str(x) for x in mask_data['crop_box']]
        ]))
    with open(os.path.join(path, 'metadata.csv'), 'w') as f:
        f.write('\n'.join(metadata))
    return path


def write_rle_layout(output, stem, records):
    """``amg.py --convert-to-rle``: ``json.dump`` into ``output/stem.json``.
    """
    os.makedirs(output, exist_ok=True)
    path = os.path.join(output, f'{stem}.json')
    with open(path, 'w') as f:
        json.dump(records, f)
    return path
