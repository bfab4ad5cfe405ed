"""The protocols apply ``test_cfg`` keys ``safeguard``, ``auto_hr`` and
``keep_detail``."""
import torch

from segrefiner.protocols.modes import choose_mode, refine_mask
from segrefiner.protocols.object_crop import refine_crops


def _eraser(model):
    """Make ``model.refine`` punch a hole in the middle of every crop."""
    plain = model.refine

    def refine(images, coarse, **kwargs):
        result = plain(images, coarse, **kwargs)
        out = (result[0] if isinstance(result, tuple) else result).clone()
        h, w = out.shape[-2:]
        out[..., h // 3:2 * h // 3, w // 3:2 * w // 3] = 0
        return (out, result[1]) if isinstance(result, tuple) else out

    model.refine = refine
    return model


def _case(size=200):
    image = torch.full((3, size, size), 120, dtype=torch.uint8)
    mask = torch.zeros(size, size, dtype=torch.bool)
    mask[40:160, 40:160] = True
    return image, mask


def test_object_crop_safeguard_refuses_a_hole_far_from_the_edge(
        identity_refiner):
    image, mask = _case()
    model = _eraser(identity_refiner)
    holed = refine_crops(model, image, mask[None])[0]
    assert not holed[100, 100]
    model.test_cfg['safeguard'] = dict(band=0.05)
    kept = refine_crops(model, image, mask[None])[0]
    assert kept[50:150, 50:150].all()  # the interior is the coarse one
    assert not kept[:30].any() and not kept[170:].any()
    model.test_cfg['safeguard'] = dict(min_iou=0.95)
    assert torch.equal(refine_crops(model, image, mask[None])[0], mask)


def test_keep_detail_keeps_fine_detail_and_the_models_changes(
        identity_refiner):
    image, mask = _case(400)
    mask[160:300, 100] = True  # a 1-px leg below the square
    plain = refine_crops(identity_refiner, image, mask[None])[0]
    assert not torch.equal(plain, mask)  # the 64-px crop loses the leg
    identity_refiner.test_cfg['keep_detail'] = 0.5
    assert torch.equal(refine_crops(identity_refiner, image, mask[None])[0],
                       mask)
    probs = refine_crops(identity_refiner, image, mask[None],
                         return_probs=True)[0]
    assert torch.equal(probs >= 0.5, mask)
    holed = refine_crops(_eraser(identity_refiner), image, mask[None])[0]
    # the eraser's hole (the crop's middle third) is pasted, the leg below
    # it is kept
    assert not holed[140, 100] and holed[230:300, 100].all()


def test_auto_hr_false_always_picks_the_object_crop(identity_refiner):
    mask = torch.zeros(900, 900, dtype=torch.bool)
    mask[50:850, 50:850] = True
    assert choose_mode(identity_refiner, mask) == 'hr'
    identity_refiner.test_cfg['auto_hr'] = False
    assert choose_mode(identity_refiner, mask) == 'lr'


def test_high_res_safeguard(identity_refiner):
    image, mask = _case(600)
    mask[:] = False
    mask[100:500, 100:500] = True
    model = _eraser(identity_refiner)
    model.test_cfg['safeguard'] = dict(min_iou=0.99)
    out = refine_mask(model, image, mask, mode='hr')
    assert torch.equal(out, mask)


def test_object_crop_acceptance_keeps_the_coarse_mask_exactly(
        identity_refiner):
    """A bright square, its mask on the square's edge: a refinement that
    punches a hole (a boundary over flat image) is rejected whole."""
    image, mask = _case()
    image[:, 40:160, 40:160] = 230
    model = _eraser(identity_refiner)
    assert not refine_crops(model, image, mask[None])[0][100, 100]
    model.test_cfg['acceptance'] = dict(min_edge_ratio=0.9)
    assert torch.equal(refine_crops(model, image, mask[None])[0], mask)
    probs = refine_crops(model, image, mask[None], return_probs=True)[0]
    assert torch.equal(probs >= 0.5, mask)


def test_min_shift_measures_the_change_in_image_pixels(identity_refiner):
    """The same 2-px erosion of the crop moves a large object's outline by
    about 8 image pixels and a small one's by 1.5: ``min_shift=3`` keeps the
    first change and rejects the second."""
    plain = identity_refiner.refine

    def erode(images, coarse, **kwargs):
        return -torch.nn.functional.max_pool2d(-plain(images, coarse,
                                                      **kwargs), 5, 1, 2)

    identity_refiner.refine = erode
    identity_refiner.test_cfg.update(pad_width=8, area_thr=1,
                                     acceptance=dict(min_shift=3.0))
    image = torch.full((3, 400, 400), 120, dtype=torch.uint8)
    masks = torch.zeros(2, 400, 400, dtype=torch.bool)
    masks[0, 20:276, 20:276] = True  # 4.25 image px per crop px
    masks[1, 320:352, 320:352] = True  # 0.75 image px per crop px
    out = refine_crops(identity_refiner, image, masks)
    assert out[0].sum() < masks[0].sum() - 4 * 250  # eroded
    assert torch.equal(out[1], masks[1])  # a nudge: kept as it was
