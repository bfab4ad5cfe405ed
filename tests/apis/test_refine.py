import cv2
import numpy as np
import pytest
import torch

from segrefiner.apis import choose_mode, load_image, load_mask, refine


def test_auto_rule_picks_hr_for_objects_larger_than_two_crops(
        identity_refiner):
    # model_size 64: boxes (with 20 px padding) longer than 128 px go HR
    small = torch.zeros(300, 300, dtype=torch.bool)
    small[100:180, 100:150] = True  # padded box 120 px
    big = torch.zeros(300, 300, dtype=torch.bool)
    big[50:250, 100:150] = True  # padded box 240 px
    assert choose_mode(identity_refiner, small) == 'lr'
    assert choose_mode(identity_refiner, big) == 'hr'


def test_paths_and_arrays_give_the_same_result(identity_refiner, tmp_path):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (90, 120, 3), dtype=np.uint8)
    mask = np.zeros((90, 120), np.uint8)
    mask[20:70, 30:90] = 255
    cv2.imwrite(str(tmp_path / 'im.png'), image[:, :, ::-1])
    cv2.imwrite(str(tmp_path / 'mask.png'), mask)
    from_files = refine(identity_refiner, str(tmp_path / 'im.png'),
                        str(tmp_path / 'mask.png'), mode='lr')
    from_arrays = refine(identity_refiner, image, mask > 0, mode='lr')
    assert np.array_equal(from_files, from_arrays)
    assert np.array_equal(load_image(str(tmp_path / 'im.png')), image)
    probs = refine(identity_refiner, image, mask, mode='lr',
                   return_probs=True)
    assert probs.dtype == np.float32


def test_image_and_mask_variants():
    gray16 = (np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000)
    rgb = load_image(gray16)
    assert rgb.shape == (3, 4, 3) and rgb.dtype == np.uint8
    rgba = np.zeros((3, 4, 4), np.uint8)
    assert load_image(rgba).shape == (3, 4, 3)
    assert load_mask(np.array([[0, 1]], np.uint8)).tolist() == [[False, True]]
    assert load_mask(np.array([[0, 255]], np.uint8)).tolist() == [[False,
                                                                    True]]
    assert load_mask(np.array([[0, 65535]], np.uint16)).tolist() == [[False,
                                                                       True]]


def test_bad_inputs_name_the_problem(identity_refiner, tmp_path):
    image = np.zeros((20, 30, 3), np.uint8)
    with pytest.raises(ValueError, match='mode'):
        refine(identity_refiner, image, np.zeros((20, 30)), mode='fast')
    with pytest.raises(ValueError, match='differs from the image'):
        refine(identity_refiner, image, np.zeros((21, 30)))
    with pytest.raises(FileNotFoundError, match='nothing.png'):
        refine(identity_refiner, str(tmp_path / 'nothing.png'),
               np.zeros((20, 30)))
    corrupt = tmp_path / 'corrupt.png'
    corrupt.write_bytes(b'\x89PNG not really')
    with pytest.raises(ValueError, match='corrupt.png'):
        refine(identity_refiner, image, str(corrupt))
