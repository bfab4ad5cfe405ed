# The official SegRefiner model (official repo configs/segrefiner/
# segrefiner_lr.py and segrefiner_hr.py share it): the
# 118.6M-parameter UNet, 6 diffusion steps, BCE + 5 x Sobel texture loss,
# ImageNet normalisation, the official inference protocols at 256 px.
model = dict(
    type='SegRefiner',
    denoise_model=dict(
        type='SegRefinerUNet', in_channels=4, out_channels=1,
        model_channels=128, num_res_blocks=2, channel_mult=(1, 1, 2, 2, 4, 4),
        attention_strides=(16, 32), num_heads=4, learn_time_embd=True,
        dropout=0.0),
    diffusion_cfg=dict(
        betas=dict(type='linear', start=0.8, stop=0, num_timesteps=6)),
    loss_mask=dict(type='SegRefinerMaskLoss', loss_weight=1.0),
    loss_texture=dict(type='SegRefinerTextureL1Loss', loss_weight=5.0),
    data_preprocessor=dict(
        type='SegRefinerDataPreprocessor',
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
    test_cfg=dict(
        model_size=256, batch_max=32, pad_width=20, area_thr=512,
        fine_prob_thr=0.9, iou_thr=0.3, max_patches=None))
