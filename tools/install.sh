#!/usr/bin/env bash
# One-command set-up of segrefiner and the pinned OpenMMLab stack on Python 3.11.
#   bash tools/install.sh
# Installs torch only when it is missing (the CPU wheel torch==2.13.0), builds
# mmcv 2.1.0 from source without build isolation (about 15 min on 2 cores the
# first time; pip caches the wheel), then mmengine/mmseg/mmdet and this
# package in editable mode. Set PYTHON to use another interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
pip_install() { "$PY" -m pip install --disable-pip-version-check "$@"; }

if ! "$PY" -c 'import torch' 2>/dev/null; then
    pip_install torch==2.13.0
fi
# mmcv's setup.py and mmengine 0.10.7 import pkg_resources (gone in setuptools 81).
pip_install 'setuptools>=77,<81' wheel ninja psutil
if ! "$PY" -c 'import mmcv, mmcv.ops; assert mmcv.__version__ == "2.1.0"' 2>/dev/null; then
    MAX_JOBS=${MAX_JOBS:-$(nproc)} pip_install --no-build-isolation mmcv==2.1.0
fi
pip_install mmengine==0.10.7 mmsegmentation==1.2.2 mmdet==3.3.0 \
    ftfy regex opencv-python-headless numpy safetensors pycocotools scipy shapely \
    terminaltables prettytable scikit-image pytest
# Triton for the fused-step tests: its interpreter (TRITON_INTERPRET=1) runs
# the CUDA kernel on CPU tensors. --no-deps: triton has no runtime deps, and
# nothing may swap the CPU torch for a CUDA build.
pip_install --no-deps triton==3.9.0
"$PY" -c 'import triton, triton.language'
pip_install --no-build-isolation --no-deps -e .
"$PY" -c 'import segrefiner, mmcv.ops, mmseg, mmdet; print("segrefiner", segrefiner.__version__, "ready")'
