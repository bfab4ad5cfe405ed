# HR-SegRefiner (official configs/segrefiner/segrefiner_hr.py): the LR model
# and optimiser, 40k iterations, x0.5 at 20k and 35k.
_base_ = ['./segrefiner_lr.py']

train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[20000, 35000],
         gamma=0.5)
]
