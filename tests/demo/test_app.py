"""demo/app.py: the /refine endpoint and the page in headless Chromium.

One app process serves the module (started on a free port, killed in the
teardown). It runs with the embedded model only (an empty weights cache)
and with this process's torch thread count, so its refinements are
bit-for-bit the Python API's computed here.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest
import torch

from segrefiner.io import load_mask

pytest.importorskip('gradio', reason='the app needs pip install -e .[app]')
client_module = pytest.importorskip('gradio_client')

#: demo/sample/image.jpg's height and width
H, W = 288, 512
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMIUM_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'
]


@pytest.fixture(scope='module')
def sample(repo_root):
    return (os.path.join(repo_root, 'demo', 'sample', 'image.jpg'),
            os.path.join(repo_root, 'demo', 'sample', 'coarse.png'))


@pytest.fixture(scope='module')
def app_url(repo_root, tmp_path_factory):
    """The app's URL; the app's start-up time is printed."""
    folder = tmp_path_factory.mktemp('app')
    (folder / 'home').mkdir()
    env = dict(os.environ, SEGREFINER_HOME=str(folder / 'home'),
               GRADIO_TEMP_DIR=str(folder / 'gradio'),
               OMP_NUM_THREADS=str(torch.get_num_threads()))
    with socket.socket() as free:
        free.bind(('127.0.0.1', 0))
        port = free.getsockname()[1]
    log = open(folder / 'app.log', 'w')
    start = time.perf_counter()
    app = subprocess.Popen(
        [sys.executable, 'demo/app.py', '--port', str(port)], cwd=repo_root,
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}/'
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                if app.poll() is not None or time.perf_counter() > start + 120:
                    pytest.fail('the app did not start:\n' +
                                (folder / 'app.log').read_text()[-3000:])
                time.sleep(0.2)
        print(f'app serving after {time.perf_counter() - start:.1f} s')
        yield url
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        log.close()


@pytest.fixture(scope='module')
def python_api(sample):
    """``refine(init_refiner('demo'), *sample, seed=seed)`` by seed."""
    from segrefiner.apis import init_refiner, refine
    model, results = init_refiner('demo'), {}

    def reference(seed: int) -> np.ndarray:
        if seed not in results:
            results[seed] = refine(model, *sample, mode='auto', seed=seed)
        return results[seed]

    return reference


def test_the_endpoint_is_the_python_api_also_two_at_once(
        app_url, sample, python_api):
    client = client_module.Client(app_url, verbose=False)
    files = [client_module.handle_file(path) for path in sample]
    with ThreadPoolExecutor(2) as pool:
        jobs = {seed: pool.submit(client.predict, *files, 'demo', 'auto',
                                  seed, api_name='/refine')
                for seed in (0, 1)}
        with urllib.request.urlopen(app_url, timeout=30) as response:
            assert response.status == 200  # the page, while they run
        masks = {seed: load_mask(job.result(timeout=120))
                 for seed, job in jobs.items()}
    for seed, mask in masks.items():
        assert np.array_equal(mask, python_api(seed)), seed
    assert not np.array_equal(masks[0], load_mask(sample[1]))


def test_the_endpoint_takes_steps_last(app_url, sample):
    from segrefiner.apis import init_refiner, refine
    client = client_module.Client(app_url, verbose=False)
    files = [client_module.handle_file(path) for path in sample]
    mask = load_mask(client.predict(*files, 'demo', 'auto', 0, 6,
                                    api_name='/refine'))
    expected = refine(init_refiner(), *sample, mode='auto', seed=0, steps=6)
    assert np.array_equal(mask, expected)
    with pytest.raises(client_module.exceptions.AppError) as error:
        client.predict(*files, 'demo', 'auto', 0, 7, api_name='/refine')
    assert 'Value 7 is greater than maximum value 6' in str(error.value)


@pytest.mark.parametrize('mask, model, message', [
    ('other-size.png', 'demo', 'other-size.png size 100x150 differs from the '
     f'image size {H}x{W}'),
    ('empty.png', 'demo', 'empty.png is empty: no foreground pixel'),
    ('text.png', 'demo', 'text.png: unreadable or corrupt image file'),
    ('coarse', 'lr', "model 'lr' is not available here (available: demo): "
     'download segrefiner_lr_latest.pth from https://drive.google.com/'),
])
def test_bad_input_is_one_readable_error(app_url, sample, tmp_path, mask,
                                         model, message):
    bad_inputs(tmp_path)
    client = client_module.Client(app_url, verbose=False)
    path = sample[1] if mask == 'coarse' else str(tmp_path / mask)
    with pytest.raises(client_module.exceptions.AppError) as error:
        client.predict(client_module.handle_file(sample[0]),
                       client_module.handle_file(path), model, 'auto', 0,
                       api_name='/refine')
    assert message in str(error.value)
    assert 'Traceback' not in str(error.value)


def bad_inputs(folder) -> None:
    """A mask of another size, an empty mask and a text file named .png."""
    from segrefiner.io import write_mask
    write_mask(folder / 'other-size.png', np.ones((100, 150), bool))
    write_mask(folder / 'empty.png', np.zeros((H, W), bool))
    (folder / 'text.png').write_text('not an image')


def test_a_drawn_mask_is_the_painted_pixels(repo_root, sample, tmp_path,
                                            monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(repo_root, 'demo'))
    import app_refine as app
    layer = np.zeros((H, W, 4), np.uint8)
    layer[100:200, 300:420] = (200, 40, 230, 255)  # BGRA
    cv2.imwrite(str(tmp_path / 'layer.png'), layer)
    cv2.imwrite(str(tmp_path / 'half.png'), layer[::2, ::2])
    image, coarse, name = app.read_inputs(sample[0], None,
                                          [str(tmp_path / 'layer.png')])
    assert image.shape == (H, W, 3) and coarse.sum() == 100 * 120
    assert coarse[100:200, 300:420].all() and name == 'the drawn mask'
    _, half, _ = app.read_inputs(sample[0], None, [str(tmp_path / 'half.png')])
    assert half.shape == (H, W) and half.sum() == 100 * 120  # canvas
    cv2.imwrite(str(tmp_path / 'clear.png'), np.zeros((H, W, 4), np.uint8))
    for nothing in ([], [str(tmp_path / 'clear.png')]):
        with pytest.raises(ValueError, match='no mask: upload'):
            app.read_inputs(sample[0], None, nothing)
    with pytest.raises(ValueError, match='no image'):
        app.read_inputs(None, sample[1])


@pytest.mark.skipif(torch.cuda.is_available(), reason='CUDA is here')
def test_a_device_that_is_not_here_is_one_error_line(repo_root):
    run = subprocess.run([sys.executable, 'demo/app.py', '--device', 'cuda'],
                         cwd=repo_root, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        'error: --device cuda: CUDA is not available (torch ')


@pytest.fixture(scope='module')
def browser():
    sync_api = pytest.importorskip(
        'playwright.sync_api',
        reason='the browser test needs playwright (tools/install.sh)')
    if not os.path.isfile(CHROMIUM):
        pytest.skip(f'no Chromium at {CHROMIUM} (Debian: apt-get install '
                    'chromium; tools/install.sh does it as root)')
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_the_page_refines_the_sample_draws_and_explains_bad_input(
        app_url, browser, python_api, tmp_path):
    page = browser.new_page(viewport={'width': 1400, 'height': 1000},
                            accept_downloads=True)
    page.set_default_timeout(60_000)
    elsewhere = []  # requests that leave the app: none (offline)
    page.on('request', lambda request: request.url.startswith(
        (app_url, 'data:', 'blob:')) or elsewhere.append(request.url))
    page.goto(app_url, wait_until='networkidle')
    clear_mask = page.locator('#mask-file button[aria-label=Clear]')
    page.get_by_text('held-out scene and its coarse mask').click()
    clear_mask.wait_for()  # the sample's mask is loaded
    start = time.perf_counter()
    page.locator('#run').click()
    summary = page.locator('#summary')
    summary.get_by_text('Refined in').wait_for()
    print(f'the sample refined in the page after '
          f'{time.perf_counter() - start:.1f} s')
    assert 'model demo on cpu, mode lr (auto), seed 0' in summary.inner_text()
    page.screenshot(path=str(tmp_path / 'app.png'), full_page=True)
    with page.expect_download() as download:
        page.locator('#download').click()
    download.value.save_as(tmp_path / 'refined.png')
    assert download.value.suggested_filename == 'coarse_refined.png'
    assert np.array_equal(load_mask(tmp_path / 'refined.png'), python_api(0))

    bad_inputs(tmp_path)
    clear_mask.click()
    page.locator('#mask-file input[type=file]').set_input_files(
        tmp_path / 'other-size.png')
    clear_mask.wait_for()
    page.locator('#run').click()
    toast = page.locator('.toast-body').first
    toast.wait_for()
    assert toast.inner_text().endswith(
        f'other-size.png size 100x150 differs from the image size {H}x{W}')
    assert 'Traceback' not in page.content()
    page.locator('.toast-close').first.click()

    # no mask file: the mask painted in the editor (the image's background)
    clear_mask.click()
    page.get_by_role('tab', name='or draw it').click()
    canvas = page.locator('canvas').first.bounding_box()
    x, y = canvas['x'] + canvas['width'] / 2, canvas['y'] + canvas[
        'height'] / 2
    page.mouse.move(x - 40, y - 30)
    page.mouse.down()
    page.mouse.move(x + 40, y + 30, steps=20)
    page.mouse.up()
    page.locator('#run').click()
    summary.get_by_text('the drawn mask: ').wait_for()
    drawn = int(summary.inner_text().split('mask: ')[1].split(' px')[0])
    assert 1000 < drawn < H * W // 4

    page.locator('#image button[aria-label="Remove Image"]').click()
    page.locator('#image input[type=file]').set_input_files(
        tmp_path / 'text.png')
    toast.wait_for()
    assert toast.inner_text().endswith(
        'text.png: unreadable or corrupt image file')
    assert not elsewhere
    page.close()
