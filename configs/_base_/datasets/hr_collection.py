# HR training data (official segrefiner_hr.py, HRCollectionDataset of 'thin'
# and 'dis'): DIS-TR and ThinObject-5K train with
# offline coarse masks (tools/gen_coarse_masks.py writes coarse/ and
# coarse_expand/), one context crop plus one native-resolution patch per
# sample, 256 px, a flip shared by both.
_base_ = ['./train_loader.py']

size = 256
train_pipeline = [
    dict(type='LoadRefinerData', expand_prob=0.5),
    dict(type='PatchCrop', size=size, offline_prob=0.5),
    dict(type='ContextCrop'),
    dict(type='ResizeTo', size=size),
    dict(type='SharedRandomFlip', prob=0.5),
    dict(type='PackRefinerInputs'),
]
train_dataloader = dict(
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(type='DIS5KDataset', data_root='data/dis',
                 subsets=['DIS-TR'], pipeline=train_pipeline),
            dict(type='ThinObjectDataset', data_root='data/thin_object',
                 ann_file='list/train.txt', pipeline=train_pipeline),
        ]))
