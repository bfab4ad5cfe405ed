# LR training data (official segrefiner_lr.py): one random
# LVIS v1 instance (area > 512) per COCO train2017 image, an online coarse
# mask, the object crop (box + 40 px, centre jitter +-20 px), 256 px, flip.
# Layout: data/coco/train2017/*.jpg, data/coco/annotations/lvis_v1_train.json.
_base_ = ['./train_loader.py']

size = 256
train_pipeline = [
    dict(type='LoadRefinerData'),
    dict(type='GenerateCoarseMask', iou_target=0.8),
    dict(type='ObjectCrop', pad=40),
    dict(type='ResizeTo', size=size),
    dict(type='SharedRandomFlip', prob=0.5),
    dict(type='PackRefinerInputs'),
]
train_dataloader = dict(
    dataset=dict(
        type='LVISRefineDataset',
        data_root='data/coco',
        ann_file='annotations/lvis_v1_train.json',
        pipeline=train_pipeline))
