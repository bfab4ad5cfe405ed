# RTMDet-Ins-S COCO (stock mmdet config and checkpoint) in a
# RefinedDetector: its instance masks refined by LR-SegRefiner.
_base_ = [
    'mmdet::rtmdet/rtmdet-ins_s_8xb32-300e_coco.py',
    './_base_/segrefiner-lr.py'
]

model = dict(_delete_=True, type='RefinedDetector', detector=_base_.model,
             refiner=_base_.refiner)
