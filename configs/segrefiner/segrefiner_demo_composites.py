# Stage 1 of the embedded demo model (segrefiner_demo.py is stage 2): the
# tiny UNet at 128 px, trained on CPU on composites from scikit-image's
# bundled photos (tools/gen_composites.py) with online coarse masks, the
# LR object-crop recipe, and the stable recipe (linear warm-up, gradient
# clipping) instead of the official lr with no warm-up, which diverges for
# many users (official issues #4, #22).
_base_ = ['./segrefiner_tiny.py']

size = 128
model = dict(test_cfg=dict(model_size=size))

train_pipeline = [
    dict(type='LoadRefinerData'),
    dict(type='GenerateCoarseMask', iou_target=0.8),
    dict(type='ObjectCrop', pad=40),
    dict(type='ResizeTo', size=size),
    dict(type='SharedRandomFlip', prob=0.5),
    dict(type='PackRefinerInputs'),
]
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        _delete_=True,
        type='RefineFolderDataset',
        data_root='data/demo_train',
        data_prefix=dict(img_path='images', gt_path='masks'),
        pipeline=train_pipeline))

train_cfg = dict(type='IterBasedTrainLoop', max_iters=600)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),  # a shorter warm-up than the 1000 iterations of the base
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=600,
         eta_min=1e-5),
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=100, max_keep_ckpts=3))
