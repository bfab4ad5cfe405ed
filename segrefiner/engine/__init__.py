"""Training-loop pieces for mmengine's Runner."""
from .autocast_wrapper import AutocastOptimWrapper

__all__ = ['AutocastOptimWrapper']
