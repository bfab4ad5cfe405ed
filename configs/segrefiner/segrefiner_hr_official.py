# HR-SegRefiner with the official recipe exactly: no gradient clipping, no
# warm-up.
_base_ = ['./segrefiner_hr.py']

optim_wrapper = dict(clip_grad=None)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[20000, 35000],
         gamma=0.5)
]
