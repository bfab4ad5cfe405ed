# The embedded demo model (see configs/segrefiner/segrefiner_demo.py, which
# trains it): the tiny UNet with the official diffusion at 128 px. Unlike the
# official models it runs with the inference safeguard (docs/demo_model.md):
# pixels farther than 8% of sqrt(area) from the coarse boundary keep their
# coarse value, and a refinement with IoU < 0.7 to its coarse mask is
# rejected; an instance whose refined outline runs over weaker image edges
# than its coarse one (under 0.9 of them) keeps its coarse mask
# (acceptance, segrefiner/ops/acceptance.py); 'auto' always picks the
# object-crop protocol (auto_hr=False). The paste back keeps half of the
# coarse mask's own detail finer than the model's 128-px crop (keep_detail,
# segrefiner/ops/crop_paste.py; chosen on the tuning sets, docs/demo_model.md).
# It runs all 6 timesteps by default: on human-outlined masks that are
# already good (labelme, 28x28 head) 2 steps lose 0.6 boundary IoU, which a
# default must not (docs/benchmark.md, "Fewer steps"); steps=2 in any call is
# the 2.4-3.0x faster operating point.
model = dict(
    type='SegRefiner',
    denoise_model=dict(
        type='SegRefinerUNet', in_channels=4, out_channels=1,
        model_channels=32, num_res_blocks=1, channel_mult=(1, 2, 2, 2),
        attention_strides=(8, ), num_heads=2, learn_time_embd=True,
        dropout=0.0),
    diffusion_cfg=dict(
        betas=dict(type='linear', start=0.8, stop=0, num_timesteps=6)),
    test_cfg=dict(
        model_size=128, batch_max=32, pad_width=20, area_thr=512,
        fine_prob_thr=0.9, iou_thr=0.3, max_patches=None,
        safeguard=dict(band=0.08, min_iou=0.7),
        acceptance=dict(min_edge_ratio=0.9), keep_detail=0.5,
        auto_hr=False))
