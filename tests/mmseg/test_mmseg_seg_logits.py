"""relabel_seg_logits: refined labels written back into mmseg's seg_logits."""
import torch

from segrefiner.mmseg.seg_logits import relabel_seg_logits


def test_multi_class_swaps_logits_only_where_the_label_changed():
    logits = torch.randn(5, 16, 16, generator=torch.Generator().manual_seed(0))
    logits[:, 0, 0] = torch.tensor([1.0, 1.0, 0.5, 0.0, -1.0])  # a tie
    old = logits.argmax(0)
    labels = old.clone()
    labels[4:9, 2:12] = 3
    labels[0, 0] = 1
    out = relabel_seg_logits(logits, labels)
    assert torch.equal(out.argmax(0), labels)
    changed = labels != old
    assert torch.equal(out[:, ~changed], logits[:, ~changed])
    # the new class takes (just above) the old maximum, the old class the
    # new class's logit; the other classes are untouched
    y, x = torch.nonzero(changed)[0]
    new, was = labels[y, x], old[y, x]
    assert out[new, y, x] > logits[was, y, x] >= out[new, y, x] - 1e-6
    assert out[was, y, x] == logits[new, y, x]
    others = [c for c in range(5) if c not in (new, was)]
    assert torch.equal(out[others, y, x], logits[others, y, x])


def test_single_channel_probabilities_cross_the_threshold():
    prob = torch.tensor([[[0.1, 0.4, 0.6, 0.9, 0.3]]])
    labels = torch.tensor([[1, 0, 0, 1, 0]])
    for threshold in (0.5, 0.3):
        out = relabel_seg_logits(prob, labels, threshold)
        assert torch.equal((out > threshold).long()[0], labels)
        keep = labels.bool() == (prob[0] > threshold)
        assert torch.equal(out[0][keep], prob[0][keep])
        assert ((out >= 0) & (out <= 1)).all()
    assert torch.allclose(relabel_seg_logits(prob, labels, 0.5),
                          torch.tensor([[[0.9, 0.4, 0.4, 0.9, 0.3]]]))
