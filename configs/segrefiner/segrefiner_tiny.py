# A tiny SegRefiner for tests and CPU experiments: the official diffusion,
# losses and protocols with a small UNet (downsampling factor 8, attention at
# 1/8 resolution and in the middle block).
_base_ = ['./segrefiner_lr.py']

model = dict(
    denoise_model=dict(
        model_channels=32, num_res_blocks=1, channel_mult=(1, 2, 2, 2),
        attention_strides=(8, ), num_heads=2))
