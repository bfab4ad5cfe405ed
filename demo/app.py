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
        api_name='/refine')   # a last argument steps=K: K reverse steps

which gives exactly ``refine(init_refiner(model), image, mask, mode=mode,
seed=seed, steps=steps)`` (``steps`` 0, the default: the model's). This file is the page (Gradio); what it computes is in
``app_refine.py`` beside it: both the page and the endpoint call its
``refine_arrays``. One model object serves every request (``refine`` changes
no shared state), and Gradio's queue runs two requests at a time.
"""
import argparse
import os
import sys

import gradio as gr

from segrefiner.batch.cli import add_device_arg, check_device
from segrefiner.model_zoo import NAMED_MODELS

from app_refine import (Models, read_image, read_inputs,  # beside this file
                        refine_arrays, save_mask, views)

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = [os.path.join(HERE, 'sample', 'image.jpg'),
          os.path.join(HERE, 'sample', 'coarse.png')]
#: Where the refined masks go: Gradio's cache, served from there as is.
#: The largest ``steps`` offered: T of every named model (the official
#: 6-step schedule); Gradio refuses a value outside 0..MAX_STEPS.
MAX_STEPS = 6
OUT_FOLDER = os.path.join(gr.utils.get_upload_folder(), 'refined')
SYSTEM_FONTS = ['ui-sans-serif', 'system-ui', 'sans-serif']


def _path(payload):
    """The file of a raw Gradio file value (``None``: no file)."""
    return payload.get('path') if payload else None


def to_drawing(image):
    """The drawing canvas for a newly uploaded ``image`` (a raw value): the
    image as its background, or nothing with a message if it is none."""
    path = _path(image)
    if path is None:
        return None
    try:
        read_image(path)
    except ValueError as error:
        raise gr.Error(str(error), print_exception=False) from None
    return path


def build_app(models: Models) -> gr.Blocks:
    """The page and its ``/refine`` endpoint."""

    def page(image, mask, drawing, model, mode, seed, steps=0):
        # raw values (preprocess=False): Gradio's own image decoding would
        # fail on a non-image before this function could say so; the
        # drawing's layers are RGBA PNG files
        image, mask = _path(image), _path(mask)
        layers = [_path(layer) for layer in (drawing or {}).get('layers')
                  or [] if _path(layer)]
        try:
            image_array, coarse, name = read_inputs(image, mask, layers)
            result = refine_arrays(models, image_array, coarse, model, mode,
                                   seed, steps)
        except ValueError as error:
            raise gr.Error(str(error), print_exception=False) from None
        if result.note:
            gr.Warning(result.note)
        before, after, sure, changes, summary = views(image_array, coarse,
                                                      result, name)
        return (before, after, (before, after), sure, changes, summary,
                gr.DownloadButton(value=save_mask(result.mask, mask,
                                                  OUT_FOLDER),
                                  interactive=True))

    def endpoint(image, mask, model, mode, seed, steps=0):
        try:
            image_array, coarse, _ = read_inputs(image, mask)
            refined = refine_arrays(models, image_array, coarse, model, mode,
                                    seed, steps).mask
        except ValueError as error:
            raise gr.Error(str(error), print_exception=False) from None
        return save_mask(refined, mask, OUT_FOLDER)

    choices = [(f'{name}: {NAMED_MODELS[name].title}', name)
               for name in models.names]
    with gr.Blocks(title='SegRefiner', analytics_enabled=False) as app:
        gr.Markdown('## SegRefiner: refine a coarse mask\nUpload an image '
                    'and its coarse mask (or draw the mask), press '
                    '**Refine**, compare, download.')
        with gr.Row():
            with gr.Column(scale=2):
                image = gr.Image(label='image', height=280, elem_id='image',
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
                            format='png',
                            brush=gr.Brush(colors=['#e628c8'],
                                           color_mode='fixed'))
                # the options: the page's and the endpoint's arguments
                # after the files, in this order (a new one: a component
                # here, a parameter of page, endpoint and refine_arrays)
                options = [
                    gr.Dropdown(choices, value=models.names[0],
                                label='model', allow_custom_value=True),
                    gr.Radio(['auto', 'lr', 'hr'], value='auto',
                             label='mode (auto: lr for objects that fit one '
                             'crop, else hr)'),
                    gr.Number(0, precision=0, label='seed'),
                    gr.Slider(0, MAX_STEPS, value=0, step=1,
                              label='steps (0: the model\'s default; fewer '
                              'are faster: docs/steps.md)'),
                ]
                run = gr.Button('Refine', variant='primary', elem_id='run')
                gr.Examples([SAMPLE], [image, mask_file], label='sample',
                            example_labels=['held-out scene and its coarse '
                                            'mask (click to load)'])
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
        image.change(to_drawing, image, drawing, api_visibility='private',
                     preprocess=False)
        run.click(page, [image, mask_file, drawing, *options],
                  [coarse_view, refined_view, compare, confidence_view,
                   changes_view, summary, download],
                  api_visibility='private', preprocess=False)
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
    os.environ['GRADIO_ANALYTICS_ENABLED'] = 'False'  # offline, everywhere
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
