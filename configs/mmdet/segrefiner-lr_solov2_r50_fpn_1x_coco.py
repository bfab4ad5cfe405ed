# SOLOv2 R-50-FPN 1x COCO (stock mmdet config and checkpoint) in a
# RefinedDetector: its instance masks refined by LR-SegRefiner.
_base_ = [
    'mmdet::solov2/solov2_r50_fpn_1x_coco.py',
    './_base_/segrefiner-lr.py'
]

model = dict(_delete_=True, type='RefinedDetector', detector=_base_.model,
             refiner=_base_.refiner)
