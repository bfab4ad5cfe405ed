"""What ``demo/app.py`` computes, without Gradio: the models it offers, its
inputs read and checked, the refinement and the pictures of it.

The refinement is :func:`segrefiner.apis.refine` itself, on one model object
per name that every request shares (``refine`` changes no shared state, so
concurrent requests need no lock around it).
"""
import os
import threading
import time
from typing import NamedTuple, Sequence, Tuple

import cv2
import numpy as np
import torch

from segrefiner.apis import init_refiner, refine
from segrefiner.io import (check_size, fit_to, load_image, load_mask,
                           read_image_file, write_mask)
from segrefiner.model_zoo import available_models, how_to_get, is_model_name
from segrefiner.protocols import resolve_mode
from segrefiner.visualization import (GREEN, ORANGE, change_map, confidence,
                                      overlay, panel_strip, with_colour_bar)

#: Pictures are shown at most this many pixels high (the mask keeps its
#: size).
VIEW_HEIGHT = 720


class Models:
    """The named models the page offers, each built once, on first use.

    Args:
        device: Where they run.

    Attributes:
        names: Those whose weights are here (``available_models()``).
    """

    def __init__(self, device: str) -> None:
        self.device = device
        self.names = available_models()
        self._built = {}
        self._lock = threading.Lock()

    def get(self, name: str):
        """The model ``name`` (a :class:`~segrefiner.models.SegRefiner`).

        Raises:
            ValueError: If ``name`` is not one of :attr:`names`.
        """
        if name not in self.names:
            raise ValueError(
                f'model {name!r} is not available here (available: '
                f'{", ".join(self.names)})' +
                (f': {how_to_get(name)}' if is_model_name(name) else ''))
        model = self._built.get(name)  # built ones: no wait for a build
        if model is None:
            with self._lock:
                if name not in self._built:
                    self._built[name] = init_refiner(name,
                                                     device=self.device)
                model = self._built[name]
        return model


def read_inputs(image_path: str, mask_path: str,
                layer_paths: Sequence[str] = ()
                ) -> Tuple[np.ndarray, np.ndarray, str]:
    """The image and its coarse mask from the page's or the endpoint's files.

    Args:
        image_path: The image file.
        mask_path: The coarse mask file (any encoding ``load_mask`` reads),
            or ``None`` to take the drawing.
        layer_paths: The ``gr.ImageEditor`` layers painted over the image
            (RGBA files): their opaque pixels are the mask.

    Returns:
        ``(image, coarse, name)``: ``H x W x 3`` uint8 RGB, ``H x W`` bool
        and the mask's name for messages (its file's, or ``'the drawn
        mask'``).

    Raises:
        ValueError: A missing or unreadable file, a mask of another size
            than the image, or an empty mask, said for a person (the file's
            own name, not Gradio's copy of it).
    """
    if image_path is None:
        raise ValueError('no image: upload one, or click the sample below')
    image = read_image(image_path)
    if mask_path is not None:
        coarse = _read(load_mask, mask_path)
        name = os.path.basename(mask_path)
    else:
        painted = [_painted(path) for path in layer_paths]
        if not any(layer.any() for layer in painted):
            raise ValueError('no mask: upload the coarse mask, or paint the '
                             'object on the image ("or draw it" tab)')
        coarse = fit_to(np.any(painted, axis=0), image.shape[:2],
                        resize=True)  # from the canvas's size, if another
        name = 'the drawn mask'
    check_size(coarse, image.shape[:2], what=name)
    if not coarse.any():
        raise ValueError(f'{name} is empty: no foreground pixel to refine')
    return image, coarse, name


def read_image(path: str) -> np.ndarray:
    """:func:`~segrefiner.io.load_image` with errors naming the file's own
    name."""
    return _read(load_image, path)


def _painted(path: str) -> np.ndarray:
    """The painted pixels of an editor layer: opaque ones (RGBA), else any
    non-zero one."""
    layer = read_image_file(path)
    if layer.ndim == 3 and layer.shape[2] == 4:
        return layer[:, :, 3] > 0
    return layer.reshape(*layer.shape[:2], -1).max(axis=2) > 0


def _read(loader, path):
    """``loader(path)`` with errors naming the uploaded file's own name."""
    try:
        return loader(path)
    except (ValueError, OSError) as error:
        raise ValueError(str(error).replace(
            str(path), os.path.basename(path))) from None


class Refinement(NamedTuple):
    """What :func:`refine_arrays` gives.

    Attributes:
        probs: ``H x W`` float32 probabilities.
        mask: ``probs >= 0.5``: exactly what :func:`refine` returns.
        seconds: Time of the :func:`refine` call.
        settings: The model, mode (the one ``auto`` chose) and seed.
        note: Why the mask came back unchanged, if it did for its size
            (``''``: it did not).
    """
    probs: np.ndarray
    mask: np.ndarray
    seconds: float
    settings: str
    note: str


def refine_arrays(models: Models, image: np.ndarray, coarse: np.ndarray,
                  model_name: str, mode: str, seed,
                  steps=0) -> Refinement:
    """Refine ``coarse`` with the named model: ``refine(model, image,
    coarse, mode=mode, seed=seed, steps=steps)``, as probabilities and as
    the mask (``steps`` 0 or ``None``: the model's default)."""
    model = models.get(model_name)
    seed = None if seed is None else int(seed)
    steps = int(steps) if steps else None
    # the protocol's choice, once: the summary names it, refine runs it
    protocol = resolve_mode(model, torch.from_numpy(coarse), mode)
    start = time.perf_counter()
    probs = refine(model, image, coarse, mode=protocol, seed=seed,
                   return_probs=True, steps=steps)
    seconds = time.perf_counter() - start
    used = protocol + (' (auto)' if mode == 'auto' else '')
    area, area_thr = int(coarse.sum()), model.test_cfg['area_thr']
    note = (f'the mask has {area} pixels, fewer than the model\'s area_thr '
            f'({area_thr}): it is returned unchanged'
            if area < area_thr and protocol == 'lr' else '')
    return Refinement(probs, probs >= 0.5, seconds,
                      f'model {model_name} on {models.device}, mode {used}, '
                      f'seed {seed}, steps {steps or "default"}', note)


def views(image: np.ndarray, coarse: np.ndarray, result: Refinement,
          name: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                              str]:
    """The page's pictures and caption of one refinement: the coarse and
    the refined overlays, the confidence with its scale, the changes
    (:func:`~segrefiner.visualization.change_map`) and a Markdown summary
    (time, settings, pixels added and removed)."""
    before = _view(overlay(image, coarse, ORANGE))
    after = _view(overlay(image, result.mask, GREEN))
    sure = with_colour_bar(
        panel_strip([confidence(result.probs)], ['confidence |2p-1|'],
                    before.shape[0]))
    added = int((result.mask & ~coarse).sum())
    removed = int((coarse & ~result.mask).sum())
    summary = (f'**Refined in {result.seconds:.2f} s** · {result.settings} '
               f'· {name}: {int(coarse.sum())} px, {added} added, {removed} '
               f'removed · image {coarse.shape[0]}x{coarse.shape[1]}')
    return (before, after, sure,
            _view(change_map(image, coarse, result.mask)), summary)


def _view(picture: np.ndarray) -> np.ndarray:
    """``picture`` at most :data:`VIEW_HEIGHT` high."""
    height, width = picture.shape[:2]
    if height <= VIEW_HEIGHT:
        return picture
    size = (max(1, round(width * VIEW_HEIGHT / height)), VIEW_HEIGHT)
    return cv2.resize(picture, size, interpolation=cv2.INTER_AREA)


def save_mask(mask: np.ndarray, like: str, folder: str) -> str:
    """Write ``mask`` as a 0/255 PNG named after the file ``like``
    (``<stem>_refined.png``) into a fresh subfolder of ``folder``; its
    path."""
    stem = os.path.splitext(os.path.basename(like or 'drawn'))[0]
    path = os.path.join(folder, os.urandom(8).hex(), f'{stem}_refined.png')
    write_mask(path, mask)
    return path
