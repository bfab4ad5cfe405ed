import torch

from segrefiner.ops import box_iou, nms


def greedy_reference(boxes, scores, thr):
    keep = []
    for i in torch.argsort(scores, descending=True, stable=True).tolist():
        if all(box_iou(boxes[i:i + 1], boxes[j:j + 1]).item() <= thr
               for j in keep):
            keep.append(i)
    return keep


def test_matches_greedy_nms_with_duplicates_and_ties():
    g = torch.Generator().manual_seed(0)
    for trial in range(10):
        xy = torch.randint(0, 300, (120, 2), generator=g).float()
        boxes = torch.cat([xy, xy + 64], dim=1)
        boxes[60:90] = boxes[:30]  # exact duplicates
        scores = (torch.rand(120, generator=g) * 5).round() / 5  # ties
        kept = nms(boxes, scores, 0.3, chunk=17)
        ref = greedy_reference(boxes, scores, 0.3)
        assert sorted(boxes[kept].tolist()) == sorted(boxes[ref].tolist())
        assert torch.all(scores[kept][:-1] >= scores[kept][1:])


def test_threshold_semantics_and_empty_input():
    boxes = torch.tensor([[0., 0, 10, 10], [0, 5, 10, 15], [0, 0, 10, 10]])
    # IoU of the first two is 50/150 = 1/3: suppressed at 0.3, kept at 0.4
    assert nms(boxes[:2], torch.tensor([1., .5]), 0.3).tolist() == [0]
    assert nms(boxes[:2], torch.tensor([1., .5]), 0.4).tolist() == [0, 1]
    assert nms(boxes, torch.tensor([.2, .1, .9]), 0.5).tolist() == [2, 1]
    assert nms(boxes[:0], torch.zeros(0), 0.3).numel() == 0
