"""The embedded default model: ``init_refiner()`` with no arguments.

``demo_config.py`` is the model part of ``configs/segrefiner/
segrefiner_demo.py``, written out in full so that the installed package
needs no repository configs; ``demo.pth`` holds its weights as a plain
state dict (loadable with ``weights_only=True``), trained on CPU with
``tools/train.py configs/segrefiner/segrefiner_demo.py`` (README).
"""
