"""A browser app: upload (or draw) a coarse mask, refine it, compare, download.

Usage::

    pip install -e .[app]                  # Gradio, once
    python demo/app.py                     # http://127.0.0.1:7860
    python demo/app.py --host 0.0.0.0 --port 8080 --device cuda

The page refines one mask of one image with the embedded demo model, or with
the official ``lr`` / ``hr`` models when their weights are in the cache
(``segrefiner.model_zoo.available_models``), and shows the coarse and the
refined overlays side by side and under a compare slider, the confidence
``|2p - 1|`` with its scale, the pixels added and removed, the time taken and
a download of the refined mask (PNG, 0/255). Everything runs offline: Gradio's
analytics are off and the page uses the system fonts.

The same refinement is Gradio's named endpoint ``/refine`` for scripts::

    from gradio_client import Client, handle_file
    mask_png = Client('http://127.0.0.1:7860/').predict(
        handle_file('image.jpg'), handle_file('coarse.png'), 'demo', 'auto', 0,
        api_name='/refine')

which gives exactly ``refine(init_refiner(model), image, mask, mode=mode,
seed=seed)``. Both the page and the endpoint call :func:`refine_arrays`;
one model object serves every request (``refine`` changes no shared state),
and Gradio's queue runs two requests at a time.
"""
import argparse
import os
import sys
import threading
import time
from typing import NamedTuple

import numpy as np

os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')  # before gradio
import gradio as gr  # noqa: E402
import torch  # noqa: E402

from segrefiner.apis import choose_mode, init_refiner, refine  # noqa: E402
from segrefiner.apis.cli import add_device_arg, check_device  # noqa: E402
from segrefiner.io import (fit_to, load_image, load_mask,  # noqa: E402
                           write_mask)
from segrefiner.model_zoo import (NAMED_MODELS,  # noqa: E402
                                  available_models, how_to_get,
                                  is_model_name)
from segrefiner.visualization import (GREEN, ORANGE,  # noqa: E402
                                      change_map, confidence, overlay,
                                      panel_strip, with_colour_bar)

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = [os.path.join(HERE, 'sample', 'image.jpg'),
          os.path.join(HERE, 'sample', 'coarse.png')]
#: Views are shown at most this many pixels high (the mask keeps its size).
VIEW_HEIGHT = 720
SYSTEM_FONTS = ['ui-sans-serif', 'system-ui', 'sans-serif']


class Models:
    """The named models the page offers, each built once, on first use.

    Args:
        device: Where they run.
        names: Their names (default: those whose weights are here).
    """

    def __init__(self, device: str, names=None) -> None:
        self.device = device
        self.names = list(names or available_models())
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
        with self._lock:
            if name not in self._built:
                self._built[name] = init_refiner(name, device=self.device)
            return self._built[name]


def read_inputs(image_path, mask_path, drawing=None):
    """The image and its coarse mask from the page's or the endpoint's files.

    Args:
        image_path: The image file.
        mask_path: The coarse mask file (any encoding ``load_mask`` reads),
            or ``None`` to take ``drawing``.
        drawing: ``gr.ImageEditor`` value: its painted layers are the mask.

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
    image = _read(load_image, image_path)
    layers = [layer for layer in (drawing or {}).get('layers') or []
              if layer is not None]
    if mask_path is not None:
        coarse = _read(load_mask, mask_path)
        name = os.path.basename(mask_path)
    elif layers:  # painted pixels are opaque, the rest transparent
        coarse = np.any([layer[..., -1] > 0 for layer in layers], axis=0)
        coarse = fit_to(coarse, image.shape[:2], resize=True)  # canvas size
        name = 'the drawn mask'
    else:
        raise ValueError('no mask: upload the coarse mask, or draw one on '
                         'the image ("or draw it" tab)')
    if coarse.shape != image.shape[:2]:
        raise ValueError(f'{name} is {coarse.shape[0]}x{coarse.shape[1]} '
                         f'but the image is {image.shape[0]}x'
                         f'{image.shape[1]}: a coarse mask must have the '
                         "image's size")
    if not coarse.any():
        raise ValueError(f'{name} is empty: no foreground pixel to refine')
    return image, coarse, name


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
    """
    probs: np.ndarray
    mask: np.ndarray
    seconds: float
    settings: str


def refine_arrays(models: Models, image: np.ndarray, coarse: np.ndarray,
                  model_name: str, mode: str, seed) -> Refinement:
    """Refine ``coarse`` with the named model: ``refine(model, image,
    coarse, mode=mode, seed=seed)``, as probabilities and as the mask."""
    model = models.get(model_name)
    seed = None if seed is None else int(seed)
    start = time.perf_counter()
    probs = refine(model, image, coarse, mode=mode, seed=seed,
                   return_probs=True)
    seconds = time.perf_counter() - start
    used = mode if mode != 'auto' else choose_mode(
        model, torch.from_numpy(coarse)) + ' (auto)'
    area, area_thr = int(coarse.sum()), model.test_cfg['area_thr']
    if area < area_thr and used.startswith('lr'):
        gr.Warning(f'the mask has {area} pixels, fewer than the model\'s '
                   f'area_thr ({area_thr}): it is returned unchanged')
    return Refinement(probs, probs >= 0.5, seconds,
                      f'model {model_name}, mode {used}, seed {seed}')


def save_mask(mask: np.ndarray, like: str) -> str:
    """Write ``mask`` as a 0/255 PNG named after the file ``like`` into a
    fresh folder of Gradio's cache; its path."""
    folder = os.path.join(gr.utils.get_upload_folder(), 'refined',
                          os.urandom(8).hex())
    stem = os.path.splitext(os.path.basename(like or 'mask'))[0]
    path = os.path.join(folder, f'{stem}_refined.png')
    write_mask(path, mask)
    return path


def _view(picture: np.ndarray) -> np.ndarray:
    """``picture`` at most :data:`VIEW_HEIGHT` high, for the page."""
    if picture.shape[0] <= VIEW_HEIGHT:
        return picture
    return panel_strip([picture], [''], VIEW_HEIGHT)[28:]


def build_app(models: Models) -> gr.Blocks:
    """The page and its ``/refine`` endpoint."""

    def page(image, mask, drawing, model, mode, seed):
        try:
            image_array, coarse, name = read_inputs(image, mask, drawing)
            result = refine_arrays(models, image_array, coarse, model, mode,
                                   seed)
        except ValueError as error:
            raise gr.Error(str(error), print_exception=False) from None
        refined = result.mask
        before = _view(overlay(image_array, coarse, ORANGE))
        after = _view(overlay(image_array, refined, GREEN))
        added, removed = (int((refined & ~coarse).sum()),
                          int((coarse & ~refined).sum()))
        summary = (f'**Refined in {result.seconds:.2f} s** on '
                   f'{models.device} · {result.settings} · {name}: '
                   f'{int(coarse.sum())} px, {added} added, {removed} '
                   f'removed · image {coarse.shape[0]}x{coarse.shape[1]}')
        return (before, after, (before, after),
                with_colour_bar(panel_strip([confidence(result.probs)],
                                            ['confidence |2p-1|'],
                                            before.shape[0])),
                _view(change_map(image_array, coarse, refined)), summary,
                gr.DownloadButton(value=save_mask(refined, mask),
                                  interactive=True))

    def endpoint(image, mask, model, mode, seed):
        try:
            image_array, coarse, _ = read_inputs(image, mask)
            refined = refine_arrays(models, image_array, coarse, model, mode,
                                    seed).mask
        except ValueError as error:
            raise gr.Error(str(error), print_exception=False) from None
        return save_mask(refined, mask)

    choices = [(f'{name}: {NAMED_MODELS[name].title}', name)
               for name in models.names]
    with gr.Blocks(title='SegRefiner', analytics_enabled=False) as app:
        gr.Markdown('## SegRefiner: refine a coarse mask\nUpload an image '
                    'and its coarse mask (or draw the mask), press '
                    '**Refine**, compare, download.')
        with gr.Row():
            with gr.Column(scale=2):
                image = gr.Image(label='image', type='filepath',
                                 image_mode=None, height=280,
                                 sources=['upload', 'clipboard'])
                with gr.Tabs():
                    with gr.Tab('coarse mask file'):
                        mask_file = gr.File(
                            label='coarse mask (PNG 0/255 or 0/1, 16-bit, '
                            'JPEG; the image\'s size)', type='filepath',
                            file_types=['image'], elem_id='mask-file')
                    with gr.Tab('or draw it'):
                        drawing = gr.ImageEditor(
                            label='paint the object (used when no mask '
                            'file is given)', type='numpy', sources=[],
                            transforms=[], layers=False, height=280,
                            brush=gr.Brush(colors=['#e628c8'],
                                           color_mode='fixed'))
                # the options: the page's and the endpoint's arguments
                # after the files, in this order
                options = [
                    gr.Dropdown(choices, value=models.names[0],
                                label='model', allow_custom_value=True),
                    gr.Radio(['auto', 'lr', 'hr'], value='auto',
                             label='mode (auto: lr for objects that fit one '
                             'crop, else hr)'),
                    gr.Number(0, precision=0, label='seed'),
                ]
                run = gr.Button('Refine', variant='primary', elem_id='run')
                gr.Examples([SAMPLE], [image, mask_file], label='sample',
                            example_labels=['coffee cup and its coarse mask '
                                            '(click to load)'])
            with gr.Column(scale=3):
                summary = gr.Markdown('Refined masks appear here.',
                                      elem_id='summary')
                with gr.Row():
                    coarse_view = gr.Image(label='coarse (orange)',
                                           format='jpeg', interactive=False)
                    refined_view = gr.Image(label='refined (green)',
                                            format='jpeg', interactive=False)
                compare = gr.ImageSlider(label='compare: coarse | refined',
                                         format='jpeg', interactive=False)
                with gr.Row():
                    confidence_view = gr.Image(
                        label='confidence |2p-1| (0: unsure, 1: sure)',
                        format='jpeg', interactive=False)
                    changes_view = gr.Image(
                        label='changes: green added, magenta removed',
                        format='jpeg', interactive=False)
                download = gr.DownloadButton(
                    'Download the refined mask (PNG)', interactive=False,
                    elem_id='download')
        image.change(lambda path: None if path is None else {
            'background': path, 'layers': [], 'composite': path
        }, image, drawing, api_visibility='private')
        run.click(page, [image, mask_file, drawing, *options],
                  [coarse_view, refined_view, compare, confidence_view,
                   changes_view, summary, download],
                  api_visibility='private')
        with gr.Row(visible=False):  # the endpoint's own file arguments
            api_files = [gr.File(label='image file', type='filepath'),
                         gr.File(label='mask file', type='filepath')]
            api_out = gr.File(label='refined mask')
            api_run = gr.Button()
        api_run.click(endpoint, [*api_files, *options], api_out,
                      api_name='refine')
    return app


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to serve on (default: 127.0.0.1; '
                        '0.0.0.0 for other machines)')
    parser.add_argument('--port', type=int, default=7860,
                        help='port (default: 7860)')
    add_device_arg(parser)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    try:
        models = Models(check_device(args.device))
        models.get(models.names[0])  # the default, before serving
    except (ValueError, OSError, RuntimeError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    app = build_app(models).queue(default_concurrency_limit=2)
    app.launch(server_name=args.host, server_port=args.port, ssr_mode=False,
               theme=gr.themes.Default(font=SYSTEM_FONTS,
                                       font_mono=['ui-monospace',
                                                  'monospace']),
               footer_links=['api'])
    return 0


if __name__ == '__main__':
    sys.exit(main())
