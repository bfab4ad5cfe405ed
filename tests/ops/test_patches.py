import torch
import torch.nn.functional as F

from segrefiner.ops import (PatchCanvas, boundary_boxes, nearest_index,
                            propose_patches)


def test_nearest_index_equals_interpolate():
    for out_size, in_size in [(256, 1000), (1000, 256), (37, 256), (256, 37)]:
        src = torch.arange(in_size).float()[None, None, :, None]
        ref = F.interpolate(src, size=(out_size, 1))[0, 0, :, 0].long()
        assert torch.equal(nearest_index(out_size, in_size, 'cpu'), ref)


def test_proposal_maps_points_to_native_boxes_and_suppresses():
    fine = torch.full((16, 16), 0.8)
    fine[4, 8] = 0.1  # image point (4*32, 8*32) = (128, 256) on 512x512
    fine[4, 9] = 0.2  # 32 px to the right: IoU 224/288 > 0.3, suppressed
    fine[15, 0] = 0.5  # bottom-left corner: shifted inside the image
    boxes = propose_patches(fine, 512, 512, 256, 0.9, 0.3)
    # highest score (lowest fine prob) first; y1 = 128-128 = 0
    assert boxes.tolist() == [[128, 0, 384, 256], [0, 256, 256, 512]]


def test_proposal_threshold_is_relative_to_the_maximum():
    fine = torch.full((8, 8), 0.5)
    fine[0, 0] = 0.46  # 0.46 >= 0.9 * 0.5: not a low-confidence point
    fine[7, 7] = 0.44
    boxes = propose_patches(fine, 256, 256, 64, 0.9, 0.3)
    assert boxes.tolist() == [[192, 192, 256, 256]]


def test_boundary_filter_keeps_boxes_crossing_the_global_mask():
    low = torch.zeros(16, 16, dtype=torch.bool)
    low[:, :8] = True  # left half foreground on a 256x256 image
    iy = ix = nearest_index(256, 16, 'cpu')
    boxes = torch.tensor([[0, 0, 64, 64], [96, 0, 160, 64],
                          [192, 0, 256, 64]])
    assert boundary_boxes(low, iy, ix, boxes).tolist() == [[96, 0, 160, 64]]


def filled_canvas():
    canvas = PatchCanvas(4, 6, 'cpu')
    rows = torch.tensor([[0, 1, 2], [1, 2, 3]])
    cols = torch.tensor([[0, 1, 2], [2, 3, 4]])
    probs = torch.stack([torch.full((3, 3), 0.2), torch.full((3, 3), 0.9)])
    canvas.add(probs, rows, cols)
    return canvas


def test_canvas_averages_overlaps_and_keeps_the_base_elsewhere():
    base = torch.ones(4, 6, dtype=torch.bool)
    merged = filled_canvas().merge(base)
    assert not merged[0, 0]  # 0.2 alone
    assert merged[1, 2]  # (0.2 + 0.9) / 2 = 0.55
    assert merged[0, 5]  # uncovered: base
    probs_out = filled_canvas().merge(base, return_probs=True)
    assert abs(probs_out[1, 2].item() - 0.55) < 1e-6
    assert probs_out[0, 5].item() == 1.0
