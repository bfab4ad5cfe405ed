# HR-SegRefiner (official configs/segrefiner/segrefiner_hr.py): the official
# model on DIS-TR + ThinObject-5K, 40k iterations, lr x0.5 at 20k and 35k, no
# load_from (as the official config), plus the stable recipe. The official
# values exactly: segrefiner_hr_official.py.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/segrefiner.py',
    '../_base_/datasets/hr_collection.py',
    '../_base_/schedules/adamw_stable.py'
]

train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000)
param_scheduler = [
    {{_base_.warmup}},
    dict(type='MultiStepLR', by_epoch=False, milestones=[20000, 35000],
         gamma=0.5)
]
