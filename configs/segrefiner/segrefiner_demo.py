# The embedded demo model: the tiny UNet at 128 px, fine-tuned on CPU from the
# composite-trained weights on real photos bundled offline
# (tools/gen_real_data.py) plus the composites (tools/gen_composites.py).
# Coarse masks are drawn online from several sources (MixedCoarseMask): the
# official synthesis for large repairs, and mask-head, low-resolution,
# dilated/eroded and exact masks so that the model leaves good masks alone.
# Each sample gives two views, as the official HR recipe: an LR object crop
# and a patch crop at the photo's own resolution (for mode='hr').
# The stable recipe (warm-up, clipping) as every config of this project.
_base_ = ['./segrefiner_tiny.py']

size = 128
# test_cfg as segrefiner/model_zoo/demo_config.py (the embedded model)
model = dict(test_cfg=dict(model_size=size,
                           safeguard=dict(band=0.08, min_iou=0.7),
                           acceptance=dict(min_edge_ratio=0.9),
                           keep_detail=0.5, auto_hr=False))

coarse_weights = dict(official=0.35, mild=0.15, mask_head=0.15, low_res=0.1,
                      morph=0.1, exact=0.15)
train_pipeline = [
    dict(type='LoadRefinerData'),
    dict(type='MixedCoarseMask', weights=coarse_weights),
    dict(type='PatchCrop', size=size, offline_prob=1.0),
    dict(type='ObjectCrop', pad=40),
    dict(type='ResizeTo', size=size),
    dict(type='SharedRandomFlip', prob=0.5),
    dict(type='PackRefinerInputs'),
]
folder = dict(type='RefineFolderDataset',
              data_prefix=dict(img_path='images', gt_path='masks'),
              pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=3,  # x 2 views
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(folder, data_root='data/real_train'),
            dict(folder, data_root='data/demo_train', indices=400),
        ]))

# Stage 2: fine-tuned from stage 1 (segrefiner_demo_composites.py: 600
# iterations on 1200 composites).
load_from = 'work_dirs/segrefiner_demo_composites/iter_600.pth'
optim_wrapper = dict(optimizer=dict(lr=2e-4))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=600)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=30),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=30, end=600,
         eta_min=1e-5),
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=100, max_keep_ckpts=3))
