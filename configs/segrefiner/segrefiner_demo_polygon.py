# Stage 5 of the embedded demo model (docs/demo_model_stages.md): the wide UNet of
# stage 4 (segrefiner_demo_wide.py, iteration 2500, the checkpoint its
# tuning rule chose) fine-tuned on objects of every size with truths drawn
# the way people annotate:
# - half the samples are shrunk by 0.35-1 before cropping (RandomDownscale):
#   the generated objects are 70-250 px, segmenters' reach down to a few
#   dozen;
# - with probability 0.75 a sample's truth is redrawn as polygons whose
#   outline keeps within 0.5-2 px of the generated one (PolygonTruth,
#   segrefiner/data/annotation_style.py), before its coarse mask is made, so
#   that 'exact' teaches leaving a polygon outline alone and the other
#   sources repair towards polygons.
# Same data and coarse mix as stage 4.
_base_ = ['./segrefiner_demo_wide.py']

coarse_weights = dict(official=0.35, mild=0.1, mask_head=0.2, low_res=0.1,
                      morph=0.1, exact=0.15)
size = 128
# stage 4's pipeline with both before the coarse masks (a config cannot
# insert into an inherited list)
train_pipeline = [
    dict(type='LoadRefinerData'),
    dict(type='RandomDownscale', prob=0.5, scale=(0.35, 1.0), min_side=96),
    dict(type='PolygonTruth', prob=0.75, tolerance=(0.5, 2.0)),
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
    dataset=dict(datasets=[
        dict(folder, data_root='data/scene_train'),
        dict(folder, data_root='data/real_train'),
        dict(folder, data_root='data/demo_train'),
    ]))

# stage 4's weights: python tools/train.py configs/segrefiner/segrefiner_demo_wide.py
load_from = 'work_dirs/demo_wide/iter_2500.pth'
optim_wrapper = dict(optimizer=dict(lr=1e-4))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=900)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=20),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=20, end=900,
         eta_min=1e-5),
]
