# The training loader shared by the LR and HR data configs (official
# segrefiner_lr.py / segrefiner_hr.py: 1 sample per GPU, infinite shuffled
# sampling); each data config adds its dataset.
train_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='refiner_collate'))
