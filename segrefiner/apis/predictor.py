"""``SegRefinerPredictor``: numpy images and masks in, numpy out.

In the manner of segment-anything's ``SamPredictor``: the inference options
are fixed when the predictor is built, and each method is the numpy face of
the tensor protocol of the same name (:mod:`segrefiner.protocols`). Why a
predictor: the prologue every call shares (load, size check, device,
generator, options) lives in one place, and a predictor holds no state that
a call changes, so threads may share one (and one model).
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..formats.sam import sam_masks as masks_of_records
from ..formats.sam import updated_records
from ..io import ImageLike, check_size, load_image, load_mask
from ..models import InferenceOptions, SegRefiner
from ..ops.binarize import binarize
from ..protocols import (check_mode, refine_crops_of_images,
                         refine_label_map, refine_mask,
                         refine_masks_of_images)
from ..utils.heap import retain_freed_memory

__all__ = ['SegRefinerPredictor']


class SegRefinerPredictor:
    """Refines masks of numpy images with one model and fixed options.

    Args:
        model: A :class:`SegRefiner` (e.g. from ``init_refiner``); it is
            read, never changed.
        options: The inference options (``None``: the model's,
            :meth:`SegRefiner.inference_options`).
        fast: Overrides ``options.fast`` when not ``None``.
        precision: Overrides ``options.precision`` when not ``None``.
        unet_batch: Overrides ``options.unet_batch`` when not ``None``.
        steps: Overrides ``options.steps`` (``1..T`` reverse steps, fewer
            timesteps jumped over; docs/steps.md) when not ``None``.
        early_exit: Overrides ``options.early_exit`` when not ``None``.

    Raises:
        ValueError: For invalid options (``steps`` outside ``1..T``).

    Example:
        >>> predictor = SegRefinerPredictor(init_refiner(), fast=False)
        >>> refined = predictor.refine('image.jpg', 'coarse.png', seed=0)
    """

    def __init__(self,
                 model: SegRefiner,
                 options: Optional[InferenceOptions] = None,
                 fast: Optional[bool] = None,
                 precision: Optional[str] = None,
                 unet_batch=None,
                 steps: Optional[int] = None,
                 early_exit: Optional[bool] = None) -> None:
        self.model = model
        base = model.inference_options() if options is None else options
        self.options = base.merged(fast=fast, precision=precision,
                                   unet_batch=unet_batch, steps=steps,
                                   early_exit=early_exit)
        model.timesteps(self.options.steps)  # 1..T

    def _prologue(self, image: ImageLike, array: np.ndarray, what: str,
                  seed: Optional[int]
                  ) -> Tuple[torch.Tensor, Optional[torch.Generator]]:
        """The image as a ``(3, H, W)`` uint8 device tensor (a view of the
        array on CPU) and the seeded generator (``None``: torch's global).

        Raises:
            ValueError: If ``array`` is not the image's height x width.
        """
        return self._image(image, array, what), self._generator(seed)

    def _image(self, image: ImageLike, array: np.ndarray,
               what: str) -> torch.Tensor:
        img = load_image(image)
        check_size(array, img.shape[:2], what)
        if not img.flags.writeable:  # e.g. np.asarray(a PIL image): torch
            img = img.copy()  # cannot view read-only memory (it warns)
        return torch.from_numpy(img).to(self.model.device).permute(2, 0, 1)

    def _generator(self, seed: Optional[int]) -> Optional[torch.Generator]:
        return None if seed is None else torch.Generator(
            device=self.model.device).manual_seed(int(seed))

    def _retain(self):
        """Keep freed CPU memory across the refinements of one call, where
        the options' path asks for it (speed only; results unchanged)."""
        mode = self.options.forward_mode(self.model.device)
        return retain_freed_memory(mode.retain_heap)

    def refine(self,
               image: ImageLike,
               mask: ImageLike,
               mode: str = 'auto',
               seed: Optional[int] = None,
               return_probs: bool = False) -> np.ndarray:
        """Refine one binary mask of one image.

        Args:
            image: ``H x W x 3`` uint8 RGB array (read-only is fine), a PIL
                image or an image path.
            mask: ``H x W`` bool, 0/1 or 0/255 array, a PIL image or a mask
                path.
            mode: ``'lr'``, ``'hr'`` or ``'auto'``
                (:func:`~segrefiner.protocols.choose_mode`).
            seed: Makes the sampling reproducible on the same device.
            return_probs: Return float32 probabilities instead of a mask.

        Returns:
            ``H x W`` bool mask (or float32 probabilities).

        Raises:
            ValueError: For an unknown mode, unreadable files or a mask of
                another size than the image.
            FileNotFoundError: For a missing file.
        """
        check_mode(mode)  # before reading the files
        image = load_image(image)  # first: its problems are named first
        coarse = load_mask(mask)
        image_t, generator = self._prologue(image, coarse, 'mask', seed)
        with self._retain():
            out = refine_mask(self.model, image_t,
                              torch.from_numpy(coarse).to(image_t.device),
                              mode, generator, return_probs, self.options)
        return out.cpu().numpy()

    def refine_instances(self,
                         image: ImageLike,
                         masks: np.ndarray,
                         seed: Optional[int] = None) -> np.ndarray:
        """Refine every instance mask of one image (the object-crop
        protocol, in batches).

        Args:
            image: ``H x W x 3`` uint8 RGB array, a PIL image or a path.
            masks: ``(N, H, W)`` coarse masks (bool, 0/1 or 0/255).
            seed: Makes the sampling reproducible on the same device.

        Returns:
            ``(N, H, W)`` bool masks; those under ``area_thr`` pixels are
            returned unchanged.

        Raises:
            ValueError: If ``masks`` is not ``(N, H, W)`` of the image's size.
        """
        masks = np.asarray(masks)
        if masks.ndim != 3:
            raise ValueError(f'masks must be (N, H, W), got shape '
                             f'{masks.shape}')
        return self.refine_instances_together([image], [masks], seed)[0]

    def refine_sam(self,
                   image: ImageLike,
                   sam_masks: Sequence[dict],
                   seed: Optional[int] = None) -> List[dict]:
        """Refine segment-anything's automatic masks of one image.

        Args:
            image: ``H x W x 3`` uint8 RGB array or an image path.
            sam_masks: The records of ``SamAutomaticMaskGenerator.
                generate()`` (segment-anything or SAM 2): ``segmentation``
                an ``H x W`` array or a COCO RLE (``counts`` str, bytes or
                an uncompressed list), and any other fields.
            seed: Makes the sampling reproducible on the same device.

        Returns:
            New records in the same order: each mask refined by
            :meth:`refine_instances` (all of them together) and stored as
            its input was, with ``area`` (pixel count) and ``bbox`` (XYWH)
            recomputed as SAM computes them; a mask the refinement left as
            it was (under ``area_thr`` pixels) keeps its record, copied.

        Raises:
            ValueError: Naming the index of a record that holds no mask,
                or for masks of another size than the image.
        """
        if not len(sam_masks):
            return []
        coarse = masks_of_records(sam_masks, 'sam_masks')
        refined = self.refine_instances(image, coarse, seed)
        return updated_records(
            sam_masks, refined,
            [not np.array_equal(new, old) for new, old in zip(refined,
                                                              coarse)])

    def refine_together(self,
                        images: Sequence[ImageLike],
                        masks: Sequence[ImageLike],
                        mode: str = 'auto',
                        seed: Optional[int] = None) -> List[np.ndarray]:
        """Refine one binary mask per image, the object crops of all images
        in shared UNet batches (:func:`~segrefiner.protocols.
        refine_masks_of_images`); what ``tools/refine.py --batch-images``
        runs.

        One image gives exactly :meth:`refine`. With several, the result of
        an image depends on the others of the call (its random draws and
        batch neighbours), never on anything else.

        Returns:
            One ``H x W`` bool mask per image.
        """
        check_mode(mode)  # before reading the files
        loaded = [(load_image(image), load_mask(mask))
                  for image, mask in zip(images, masks)]
        coarse = [mask for _, mask in loaded]
        tensors = [self._image(image, mask, 'mask')
                   for image, mask in loaded]
        with self._retain():
            outs = refine_masks_of_images(
                self.model, tensors,
                [torch.from_numpy(m).to(t.device) for m, t in zip(coarse,
                                                                 tensors)],
                mode, self._generator(seed), self.options)
        return [out.cpu().numpy() for out in outs]

    def refine_instances_together(self,
                                  images: Sequence[ImageLike],
                                  masks: Sequence[np.ndarray],
                                  seed: Optional[int] = None
                                  ) -> List[np.ndarray]:
        """:meth:`refine_instances` of several images, their object crops
        in shared UNet batches (one random stream); one image gives exactly
        :meth:`refine_instances`.

        Returns:
            One ``(N_i, H_i, W_i)`` bool array per image.
        """
        masks = [np.asarray(m) for m in masks]
        if any(m.ndim != 3 for m in masks):
            raise ValueError('masks must be (N, H, W) arrays, got shapes '
                             f'{[m.shape for m in masks]}')
        tensors = [self._image(image, m, 'masks')
                   for image, m in zip(images, masks)]
        with self._retain():
            outs = refine_crops_of_images(
                self.model, tensors,
                [torch.from_numpy(binarize(m)).to(t.device)
                 for m, t in zip(masks, tensors)],
                self._generator(seed), options=self.options)
        return [out.cpu().numpy() for out in outs]

    def refine_semantic(self,
                        image: ImageLike,
                        label_map: np.ndarray,
                        ignore_index: Optional[int] = 255,
                        seed: Optional[int] = None) -> np.ndarray:
        """Refine a multi-class label map; same shape and dtype out.

        Args:
            image: ``H x W x 3`` uint8 RGB array, a PIL image or a path.
            label_map: ``H x W`` integer class map.
            ignore_index: Label left untouched and never refined (``None``:
                all labels are classes).
            seed: Makes the sampling reproducible on the same device.

        Returns:
            The refined ``H x W`` label map.

        Raises:
            ValueError: If ``label_map`` is not an ``H x W`` integer array
                of the image's size.
        """
        label_map = np.asarray(label_map)
        if label_map.ndim != 2 or not np.issubdtype(label_map.dtype,
                                                    np.integer):
            raise ValueError('label_map must be an H x W integer array, got '
                             f'{label_map.dtype} {label_map.shape}')
        image_t, generator = self._prologue(image, label_map, 'label map',
                                            seed)
        labels = torch.from_numpy(label_map.astype(np.int64)).to(
            image_t.device)
        with self._retain():
            out = refine_label_map(self.model, image_t, labels, ignore_index,
                                   generator, self.options)
        return out.cpu().numpy().astype(label_map.dtype)
