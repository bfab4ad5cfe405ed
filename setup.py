"""Install segrefiner; see README.md for the full OpenMMLab stack set-up."""
import os

from setuptools import find_packages, setup


def read_version() -> str:
    scope = {}
    with open(os.path.join('segrefiner', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='segrefiner',
    version=read_version(),
    description='SegRefiner discrete-diffusion mask refinement for '
    'OpenMMLab 2.0',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.9',
    packages=find_packages(include=['segrefiner', 'segrefiner.*']),
    # .mim/configs: the repository's configs/ (a symlink in the checkout,
    # copied into a wheel), found by mmengine as segrefiner::NAME
    package_data={
        'segrefiner': [
            'model_zoo/*', '.mim/model-index.yml', '.mim/configs/**/*.py'
        ]
    },
    include_package_data=True,
    install_requires=[
        'torch>=2.5', 'mmengine==0.10.7', 'setuptools<81', 'numpy',
        'opencv-python-headless', 'safetensors'
    ],
    extras_require={
        'openmmlab': [
            'mmcv==2.1.0', 'mmsegmentation==1.2.2', 'mmdet==3.3.0', 'ftfy',
            'regex'
        ],
        'eval': ['pycocotools'],
        'data': ['scikit-image'],
        'download': ['gdown'],
        'tests': ['pytest'],
    },
    license='Apache-2.0',
    zip_safe=False)
