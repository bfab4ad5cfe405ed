# LR-SegRefiner with the official recipe exactly: no gradient clipping, no
# warm-up (the official warm-up of 10 iterations at ratio 1.0 is a no-op).
_base_ = ['./segrefiner_lr.py']

optim_wrapper = dict(clip_grad=None)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[80000, 100000],
         gamma=0.5)
]
