"""SegRefiner: discrete-diffusion mask refinement as an mmengine model.

Re-implements the training and sampling parts of the official ``SegRefiner``
detector (MengyuWang826/SegRefiner, ``mmdet/models/detectors/
segrefiner_base.py``) on mmengine's ``BaseModel``. The crop/paste and patch
protocols built on :meth:`SegRefiner.refine` live in :mod:`segrefiner.protocols`.
"""
import copy
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from mmengine.registry import MODELS
from mmengine.structures import BaseDataElement

from ..diffusion import (build_schedule, p_sample_loop, q_sample,
                         sample_timesteps, spaced_timesteps)
from ..utils.heap import retain_freed_memory
from .fast_path import UNetRunner
from .inference_options import InferenceOptions

OFFICIAL_UNET = dict(
    type='SegRefinerUNet', in_channels=4, out_channels=1, model_channels=128,
    num_res_blocks=2, channel_mult=(1, 1, 2, 2, 4, 4),
    attention_strides=(16, 32), num_heads=4, learn_time_embd=True,
    dropout=0.0)
OFFICIAL_DIFFUSION = dict(
    betas=dict(type='linear', start=0.8, stop=0, num_timesteps=6))
OFFICIAL_TEST_CFG = dict(
    model_size=256, batch_max=32,
    # instance / object-crop protocol (official segrefiner_coco.py)
    pad_width=20, area_thr=512,
    # high-resolution protocol (official segrefiner_big.py / _dis.py)
    fine_prob_thr=0.9, iou_thr=0.3, max_patches=None)


def _stack_masks(samples: Sequence[BaseDataElement], key: str,
                 device: torch.device) -> torch.Tensor:
    """Stack ``sample.<key>`` ``(1, H, W)`` masks into ``(N, 1, H, W)``."""
    missing = [i for i, s in enumerate(samples) if key not in s]
    if missing:
        raise KeyError(f'data samples {missing} have no {key!r}')
    return torch.stack([s.get(key) for s in samples]).to(device).float()


@MODELS.register_module()
class SegRefiner(BaseModel):
    """The SegRefiner model: a denoising UNet driven by a discrete diffusion.

    Every argument defaults to the official LR configuration, so
    ``dict(type='SegRefiner')`` builds the official model.

    Args:
        denoise_model: Config of the UNet; merged over the official one, so
            ``dict(model_channels=32)`` overrides just that field.
        diffusion_cfg: ``dict(betas=dict(type='linear', start, stop,
            num_timesteps))``.
        loss_mask: Config of the BCE loss.
        loss_texture: Config of the Sobel texture loss.
        data_preprocessor: Config of the data preprocessor.
        test_cfg: Inference settings used by :mod:`segrefiner.protocols`
            (``model_size``, ``batch_max``, ``pad_width``, ``area_thr``,
            ``fine_prob_thr``, ``iou_thr``, ``max_patches``: at most this
            many HR patches, least confident first, ``None`` for all as
            officially); merged over the official ones. ``safeguard``,
            ``acceptance``, ``keep_detail`` (0 to 1) and ``auto_hr``, off
            unless given, are the protocols' optional bounds, paste and mode
            rule (``docs/demo_model.md``). ``fast``,
            ``precision``, ``unet_batch``, ``steps`` and ``early_exit``,
            when given, are the model's default :class:`InferenceOptions`
            (read, never written).
        init_cfg: mmengine initialisation config.

    Example:
        >>> model = SegRefiner(denoise_model=dict(
        ...     model_channels=32, channel_mult=(1, 2), attention_strides=(2,)))
        >>> imgs = torch.rand(1, 3, 64, 64) * 255
        >>> model.refine(imgs, torch.ones(1, 1, 64, 64)).shape
        torch.Size([1, 1, 64, 64])
    """

    def __init__(self,
                 denoise_model: Optional[dict] = None,
                 diffusion_cfg: Optional[dict] = None,
                 loss_mask: Optional[dict] = None,
                 loss_texture: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor
            or dict(type='SegRefinerDataPreprocessor'),
            init_cfg=init_cfg)
        self.schedule = build_schedule(diffusion_cfg or OFFICIAL_DIFFUSION)
        unet_cfg = copy.deepcopy(OFFICIAL_UNET)
        unet_cfg.update(denoise_model or {})
        unet_cfg.setdefault('num_timesteps', self.num_timesteps)
        if unet_cfg['num_timesteps'] != self.num_timesteps:
            raise ValueError(
                f"denoise_model.num_timesteps={unet_cfg['num_timesteps']} "
                f'differs from the schedule ({self.num_timesteps} steps)')
        self.denoise_model = MODELS.build(unet_cfg)
        self.loss_mask = MODELS.build(
            loss_mask or dict(type='SegRefinerMaskLoss', loss_weight=1.0))
        self.loss_texture = MODELS.build(
            loss_texture
            or dict(type='SegRefinerTextureL1Loss', loss_weight=5.0))
        self.test_cfg = {**OFFICIAL_TEST_CFG, **(test_cfg or {})}
        detail = self.test_cfg.get('keep_detail', 0)
        if not 0 <= detail <= 1:
            raise ValueError(
                f'test_cfg.keep_detail must be within [0, 1], got {detail}')
        self.timesteps(self.inference_options().steps)  # validates them

    @property
    def num_timesteps(self) -> int:
        """Number of diffusion timesteps ``T``."""
        return self.schedule.num_timesteps

    @property
    def device(self) -> torch.device:
        """Device of the model's parameters."""
        return next(self.denoise_model.parameters()).device

    def inference_options(self, **overrides) -> InferenceOptions:
        """The options ``test_cfg`` names (``fast``, ``precision``,
        ``unet_batch``, ``steps``, ``early_exit``), with the given
        non-``None`` ``overrides``.

        Reads the model, never writes it: the result is a new frozen value.

        Example:
            >>> model = SegRefiner(denoise_model=dict(
            ...     model_channels=32, channel_mult=(1, 2),
            ...     attention_strides=(2,)))
            >>> model.inference_options(fast=False).fast
            False
        """
        return InferenceOptions.from_cfg(self.test_cfg).merged(**overrides)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[BaseDataElement]] = None,
                mode: str = 'tensor'
                ) -> Union[Dict[str, torch.Tensor], List[BaseDataElement],
                           torch.Tensor]:
        """mmengine entry point: ``'loss'``, ``'predict'`` or ``'tensor'``.

        ``inputs`` are normalised images (the data preprocessor's output);
        ``'tensor'`` returns the logits of one UNet pass at ``t = T-1`` on
        the coarse masks.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            coarse = _stack_masks(data_samples, 'coarse_mask', inputs.device)
            t = torch.full((inputs.shape[0], ), self.num_timesteps - 1,
                           dtype=torch.long, device=inputs.device)
            return self.denoise_model(torch.cat([inputs, coarse], 1), t)
        raise ValueError(f'invalid mode {mode!r}: expected loss, predict '
                         'or tensor')

    def loss(self, inputs: torch.Tensor,
             data_samples: List[BaseDataElement]) -> Dict[str, torch.Tensor]:
        """Training losses for normalised images and their mask samples.

        Samples ``t ~ U{0..T-1}``, corrupts the GT towards the coarse mask
        with :func:`~segrefiner.diffusion.q_sample` and regresses the GT.

        Returns:
            ``loss_mask``, ``loss_texture`` and the monitoring-only ``iou``.
        """
        gt = _stack_masks(data_samples, 'gt_mask', inputs.device)
        coarse = _stack_masks(data_samples, 'coarse_mask', inputs.device)
        t = sample_timesteps(inputs.shape[0], self.num_timesteps,
                             inputs.device)
        x_t = q_sample(gt, coarse, t, self.schedule)
        logits = self.denoise_model(
            torch.cat([inputs, x_t.to(inputs.dtype)], 1), t)
        with torch.no_grad():
            pred, target = logits >= 0, gt >= 0.5
            inter = (pred & target).sum((-1, -2)).float()
            union = (pred | target).sum((-1, -2)).float()
            iou = (inter / (union + 1e-3)).mean()
        return dict(loss_mask=self.loss_mask(logits, gt),
                    loss_texture=self.loss_texture(logits, gt),
                    iou=iou)

    def predict(self, inputs: torch.Tensor,
                data_samples: List[BaseDataElement]
                ) -> List[BaseDataElement]:
        """Refine ``coarse_mask`` of each sample at the input resolution.

        Runs the reference UNet over the ``test_cfg`` steps (all by
        default). Sets ``pred_probs`` ``(1, H, W)`` float and ``pred_mask``
        (bool, ``pred_probs >= 0.5``) on every sample.
        """
        coarse = _stack_masks(data_samples, 'coarse_mask', inputs.device)
        options = self.inference_options()
        probs, _ = p_sample_loop(self.denoise_model, inputs,
                                 (coarse >= 0.5).float(),
                                 self.timesteps(options.steps), self.schedule,
                                 early_exit=options.early_exit)
        for sample, prob in zip(data_samples, probs):
            sample.set_data(dict(pred_probs=prob, pred_mask=prob >= 0.5))
        return data_samples

    def timesteps(self, steps: Optional[int] = None) -> List[int]:
        """The timesteps ``steps`` reverse steps run: ``T-1`` down to 0
        evenly spaced (:func:`~segrefiner.diffusion.spaced_timesteps`; all
        ``T`` by default).

        Raises:
            ValueError: For ``steps`` outside ``1..T``.
        """
        return spaced_timesteps(self.num_timesteps, self.num_timesteps
                                if steps is None else steps)

    @torch.no_grad()
    def refine(self,
               images: torch.Tensor,
               coarse: torch.Tensor,
               steps: Optional[int] = None,
               generator: Optional[torch.Generator] = None,
               timesteps: Optional[Sequence[int]] = None,
               prior: Optional[torch.Tensor] = None,
               return_fine_probs: bool = False,
               options: Optional[InferenceOptions] = None,
               land: int = -1):
        """Refine coarse masks at exactly the given resolution.

        Args:
            images: ``(N, 3, H, W)`` float RGB with 0-255 values.
            coarse: ``(N, 1, H, W)`` float in [0, 1], binarised at 0.5.
            steps: Reverse steps, ``1..T``: timesteps ``T-1`` down to 0
                evenly spaced, the skipped ones jumped over (``None``:
                ``options.steps``, else all ``T``, the official loop).
            generator: Random source of the Bernoulli maps (torch's global
                generator when ``None``); must live on the model's device.
            timesteps: Explicit strictly decreasing timesteps instead of
                ``steps`` (e.g. ``[5, 4, 3, 2, 1]`` for the HR global
                stage, ``[0]`` for its local step); each step jumps to the
                next listed timestep, the last one to ``land``.
            prior: Initial marginal fine-probability (zeros by default).
            return_fine_probs: Also return the accumulated fine-probability.
            options: How the UNet runs for this call (``None``:
                :meth:`inference_options`), including ``early_exit``; the
                model is not changed.
            land: The timestep the last step lands on (-1: the fine mask;
                0 for the HR global stage, which its local step follows).

        Returns:
            ``(N, 1, H, W)`` float32 probabilities on the model's device, and
            the fine-probability map when ``return_fine_probs``.
        """
        if images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(f'images must be (N, 3, H, W), got '
                             f'{tuple(images.shape)}')
        if coarse.shape != (images.shape[0], 1, *images.shape[2:]):
            raise ValueError(f'coarse must be (N, 1, H, W) matching images '
                             f'{tuple(images.shape)}, got '
                             f'{tuple(coarse.shape)}')
        device = self.device
        norm = self.data_preprocessor.normalize(images.to(device).float())
        coarse = (coarse.to(device) >= 0.5).float()
        options = self.inference_options() if options is None else options
        ts = list(timesteps) if timesteps is not None else self.timesteps(
            options.steps if steps is None else steps)
        runner = UNetRunner(self.denoise_model, options.forward_mode(device))
        with retain_freed_memory(runner.mode.retain_heap):
            probs, fine = p_sample_loop(runner, norm, coarse, ts,
                                        self.schedule, generator, prior,
                                        early_exit=options.early_exit,
                                        land=land)
        return (probs, fine) if return_fine_probs else probs
