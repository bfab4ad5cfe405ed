# DeepLabV3+ R-50-D8 Cityscapes (stock mmseg config and checkpoint; an
# EncoderDecoder, `type` unchanged): label maps refined by LR-SegRefiner.
_base_ = [
    'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py',  # noqa
    './_base_/segrefiner-lr.py'
]

model = dict(refiner=_base_.refiner)
