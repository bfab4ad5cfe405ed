import pytest
import torch
import torch.nn.functional as F

from segrefiner.ops import (crop_resize, crop_scale, masks_to_boxes, pad_boxes,
                            paste_keeping_detail, paste_masks)


def official_paste(masks, boxes, height, width):
    """The official full-image grid_sample paste (segrefiner_instance.py)."""
    n = masks.shape[0]
    x0, y0, x1, y1 = torch.split(boxes.float(), 1, dim=1)
    ys = (torch.arange(height).float() + 0.5 - y0) / (y1 - y0) * 2 - 1
    xs = (torch.arange(width).float() + 0.5 - x0) / (x1 - x0) * 2 - 1
    grid = torch.stack([xs[:, None, :].expand(n, height, width),
                        ys[:, :, None].expand(n, height, width)], dim=3)
    return F.grid_sample(masks, grid, align_corners=False)[:, 0]


BOXES = torch.tensor([[0, 0, 211, 150], [10, 20, 50, 33], [100, 5, 211, 150],
                      [5, 100, 7, 149], [0, 140, 211, 150]])


@pytest.mark.parametrize('dtype', [torch.float32, torch.uint8])
def test_crop_resize_equals_interpolate_of_each_crop(dtype):
    torch.manual_seed(0)
    image = (torch.rand(3, 150, 211) * 255).to(dtype)
    out = crop_resize(image, BOXES, 32)
    assert out.shape == (5, 3, 32, 32) and out.dtype == torch.float32
    for box, crop in zip(BOXES.tolist(), out):
        x1, y1, x2, y2 = box
        ref = F.interpolate(image[None, :, y1:y2, x1:x2].float(), (32, 32),
                            mode='bilinear', align_corners=False)[0]
        torch.testing.assert_close(crop, ref, atol=1e-3, rtol=1e-5)


def test_crop_resize_reads_each_instance_mask():
    masks = torch.zeros(3, 1, 40, 40, dtype=torch.bool)
    masks[1, 0, 10:20, 10:20] = True
    masks[2, 0, :, :5] = True
    boxes = torch.tensor([[10, 10, 20, 20], [0, 0, 10, 40]])
    out = crop_resize(masks, boxes, 8, torch.tensor([1, 2]))
    assert torch.equal(out[0], torch.ones(1, 8, 8))
    assert torch.equal(out[1, 0, :, :4], torch.ones(8, 4))
    assert torch.equal(out[1, 0, :, 4:], torch.zeros(8, 4))


def test_paste_equals_the_official_full_image_paste():
    torch.manual_seed(1)
    probs = torch.rand(5, 1, 32, 32)
    exact = official_paste(probs, BOXES, 150, 211)
    torch.testing.assert_close(paste_masks(probs, BOXES, 150, 211, None),
                               exact)
    assert torch.equal(paste_masks(probs, BOXES, 150, 211), exact >= 0.5)


def test_paste_of_a_downscaled_box_spills_exactly_like_the_official():
    # a box 4x larger than the crop: bilinear sampling reaches past its edge
    probs = torch.ones(1, 1, 16, 16)
    box = torch.tensor([[20, 20, 84, 84]])
    exact = official_paste(probs, box, 100, 100)
    assert exact[0, 19:85, 19:85].sum() > exact[0, 20:84, 20:84].sum()
    torch.testing.assert_close(paste_masks(probs, box, 100, 100, None), exact)


def test_boxes_of_masks_and_padding():
    masks = torch.zeros(3, 10, 12, dtype=torch.bool)
    masks[0, 2:5, 3:7] = True
    masks[1, 0, 0] = True
    boxes = masks_to_boxes(masks)
    assert boxes.tolist() == [[3, 2, 7, 5], [0, 0, 1, 1], [0, 0, 0, 0]]
    assert pad_boxes(boxes[:2], 2, 10, 12).tolist() == [[1, 0, 9, 7],
                                                         [0, 0, 3, 3]]


def test_paste_keeping_detail_keeps_what_the_model_kept_and_its_flips():
    masks = torch.zeros(1, 120, 90, dtype=torch.bool)
    masks[0, 20:100, 20:70] = True
    masks[0, 100:115, 44] = True  # a 1-px leg: finer than a crop pixel
    boxes = torch.tensor([[10, 10, 80, 118]])
    coarse = crop_resize(masks[:, None], boxes, 16) >= 0.5
    probs = coarse.float()
    # the resampled paste (detail 0) loses the leg; detail 1 and 0.5 keep
    # every pixel of a mask the model did not change
    resampled = paste_masks(probs, boxes, 120, 90, None)
    assert not (resampled[0, 100:115, 44] >= 0.5).all()
    torch.testing.assert_close(
        paste_keeping_detail(probs, coarse, masks, boxes, 0.0), resampled)
    for detail in (1.0, 0.5):
        kept = paste_keeping_detail(probs, coarse, masks, boxes, detail)
        assert torch.equal(kept >= 0.5, masks), detail
    # a flipped crop pixel reaches the full-resolution pixels it covers
    probs[0, 0, 8, 14] = 1.0  # outside the object, right of it
    added = (paste_keeping_detail(probs, coarse, masks, boxes) >= 0.5) & ~masks
    assert added.any() and added[0, :, 70:].any()
    assert torch.equal(added, (paste_masks(probs - coarse.float(), boxes,
                                           120, 90) & ~masks))


def test_crop_scale_is_the_geometric_mean_of_both_axes():
    boxes = torch.tensor([[0, 0, 256, 64], [10, 10, 42, 42]])
    assert torch.allclose(crop_scale(boxes, 128), torch.tensor([1., 0.25]))
