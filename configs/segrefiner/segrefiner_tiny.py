# A tiny SegRefiner (1.09M parameters) for tests and CPU experiments:
# the official diffusion, losses and protocol with a small UNet whose
# downsampling factor is 4, so any input side divisible by 4 works.
_base_ = ['./segrefiner_lr.py']

model = dict(
    denoise_model=dict(
        model_channels=32, num_res_blocks=1, channel_mult=(1, 2, 2),
        attention_strides=(4, ), num_heads=2))
