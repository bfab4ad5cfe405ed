# The refiner of the configs in this folder: LR-SegRefiner (the official LR
# model, SegRefiner's defaults) with the official released weights, which a
# refiner without `checkpoint` loads from the cache
# ($SEGREFINER_HOME/segrefiner_lr_latest.pth; README "Models"), seeded
# sampling. `model.refiner` of a RefinedDetector.
custom_imports = dict(imports=['segrefiner.mmdet'], allow_failed_imports=False)

refiner = dict(type='SegRefiner', test_cfg=dict(seed=0))
