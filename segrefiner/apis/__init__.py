"""User-facing API: build a refiner and refine images with it."""
from .init import init_refiner, load_config

__all__ = ['init_refiner', 'load_config']
