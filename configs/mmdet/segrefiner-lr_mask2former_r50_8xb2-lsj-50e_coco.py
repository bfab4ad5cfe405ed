# Mask2Former R-50 COCO instance (stock mmdet config and checkpoint) in a
# RefinedDetector: its instance masks refined by LR-SegRefiner.
_base_ = [
    'mmdet::mask2former/mask2former_r50_8xb2-lsj-50e_coco.py',
    './_base_/segrefiner-lr.py'
]

model = dict(_delete_=True, type='RefinedDetector', detector=_base_.model,
             refiner=_base_.refiner)
