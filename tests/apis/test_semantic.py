import numpy as np
import pytest

from segrefiner.apis import refine_semantic


def label_map():
    labels = np.zeros((120, 160), np.uint8)
    labels[20:90, 30:100] = 3
    labels[60:110, 90:150] = 7
    labels[5:12, 140:150] = 9  # 70 px: too small to refine
    labels[:, :4] = 255  # ignore
    return labels


def test_identity_refiner_keeps_the_map(identity_refiner):
    labels = label_map()
    image = np.zeros((120, 160, 3), np.uint8)
    out = refine_semantic(identity_refiner, image, labels)
    assert out.dtype == labels.dtype and out.shape == labels.shape
    assert (out == labels).mean() >= 0.99
    assert np.array_equal(out[:, :4], labels[:, :4])
    assert np.array_equal(out == 9, labels == 9)


def test_real_refiner_never_invents_classes_or_touches_ignore(tiny_refiner):
    tiny_refiner.test_cfg['model_size'] = 64
    labels = label_map().astype(np.int32)
    image = np.random.default_rng(2).integers(0, 255, (120, 160, 3),
                                              dtype=np.uint8)
    out = refine_semantic(tiny_refiner, image, labels, seed=0)
    assert set(np.unique(out)) <= set(np.unique(labels))
    assert np.array_equal(out == 255, labels == 255)
    assert np.array_equal(out == 9, labels == 9)  # passed through
    again = refine_semantic(tiny_refiner, image, labels, seed=0)
    assert np.array_equal(out, again)


def test_bad_label_maps(identity_refiner):
    image = np.zeros((10, 10, 3), np.uint8)
    with pytest.raises(ValueError, match='integer'):
        refine_semantic(identity_refiner, image, np.zeros((10, 10)))
    with pytest.raises(ValueError, match='differs'):
        refine_semantic(identity_refiner, image,
                        np.zeros((10, 11), np.uint8))
