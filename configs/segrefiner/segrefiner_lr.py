# LR-SegRefiner (official configs/segrefiner/segrefiner_lr.py): the official
# model and LVIS data, 120k iterations x 8 GPUs x 1 sample, lr x0.5 at 80k and
# 100k, plus the stable recipe (1000-iteration warm-up, gradient clipping).
# The official values exactly: segrefiner_lr_official.py.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/segrefiner.py',
    '../_base_/datasets/lvis_lr.py', '../_base_/schedules/adamw_stable.py'
]

train_cfg = dict(type='IterBasedTrainLoop', max_iters=120000)
param_scheduler = [
    {{_base_.warmup}},
    dict(type='MultiStepLR', by_epoch=False, milestones=[80000, 100000],
         gamma=0.5)
]
