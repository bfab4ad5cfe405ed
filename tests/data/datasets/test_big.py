"""BIGDataset: the CascadePSP *_im / *_seg / *_gt naming in one folder."""
import pytest

from segrefiner.data.datasets import BIGDataset


def test_pairs_im_seg_gt_and_ignores_outputs(touch):
    root = touch('x_im.jpg', 'x_seg.png', 'x_gt.png', 'x_refine.png',
                 'x_mask.png', 'y_im.jpg', 'y_seg.png', 'y_gt.png')
    dataset = BIGDataset(data_root=str(root), test_mode=True)
    assert [dataset.get_data_info(i)['name'] for i in range(2)] == ['x', 'y']
    info = dataset.get_data_info(0)
    assert info['img_path'] == str(root / 'x_im.jpg')
    assert info['gt_path'] == str(root / 'x_gt.png')
    assert info['coarse_path'] == str(root / 'x_seg.png')
    assert info['out_name'] == 'x_refine.png'


def test_missing_partner_is_listed(touch):
    root = touch('x_im.jpg', 'x_seg.png', 'x_gt.png', 'y_im.jpg', 'y_gt.png')
    with pytest.raises(ValueError, match=r'1 of 2 samples .*: y_im\.jpg'):
        BIGDataset(data_root=str(root))


def test_gt_may_be_absent_at_test_time_only(touch):
    root = touch('x_im.jpg', 'x_seg.png')
    assert BIGDataset(data_root=str(root),
                      test_mode=True).get_data_info(0)['gt_path'] is None
    with pytest.raises(FileNotFoundError, match=r'no \*_gt'):
        BIGDataset(data_root=str(root))
