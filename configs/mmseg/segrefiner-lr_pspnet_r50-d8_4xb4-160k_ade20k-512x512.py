# PSPNet R-50-D8 ADE20K (stock mmseg config and checkpoint) with the explicit
# `RefinedEncoderDecoder` type and a refiner read from a refiner config file
# of the package (the LR one, by its `segrefiner::` name: found from any
# working directory) with weights named explicitly ('lr': the official
# release in the cache; 'hr' or a file path work the same way), 16 crops per
# batch.
_base_ = 'mmseg::pspnet/pspnet_r50-d8_4xb4-160k_ade20k-512x512.py'
custom_imports = dict(imports=['segrefiner.mmseg'], allow_failed_imports=False)

model = dict(
    type='RefinedEncoderDecoder',
    refiner=dict(
        config='segrefiner::segrefiner/segrefiner_lr.py',
        checkpoint='lr',
        test_cfg=dict(batch_max=16, seed=0)))
