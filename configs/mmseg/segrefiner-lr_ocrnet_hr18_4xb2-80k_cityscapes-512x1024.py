# OCRNet HRNetV2p-W18 Cityscapes (stock mmseg config and checkpoint; a
# CascadeEncoderDecoder, `type` unchanged): label maps refined by
# LR-SegRefiner.
_base_ = [
    'mmseg::ocrnet/ocrnet_hr18_4xb2-80k_cityscapes-512x1024.py',
    './_base_/segrefiner-lr.py'
]

model = dict(refiner=_base_.refiner)
