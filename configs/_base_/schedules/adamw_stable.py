# The official optimiser (AdamW 4e-4, no weight decay) with
# the stable recipe's gradient clipping. The official recipe has no clipping
# and no warm-up and collapses for many users (IoU to 0; official issues #4,
# #22); configs using this file add a linear warm-up to their schedule, and
# their ``*_official.py`` variants restore the official values.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=4e-4, weight_decay=0, betas=(0.9, 0.999), eps=1e-8),
    clip_grad=dict(max_norm=1.0))
warmup = dict(
    type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=1000)
