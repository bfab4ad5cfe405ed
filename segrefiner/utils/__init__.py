"""Utilities: benchmark timing and scenes, mmengine compatibility, CPU heap
retention."""
from .compat import use_safe_checkpoint_loader
from .heap import heap_retention_supported, retain_freed_memory
from .profiling import (ForwardTimer, current_rss_mb, peak_rss_mb,
                        synthetic_scene)

__all__ = [
    'use_safe_checkpoint_loader', 'ForwardTimer', 'current_rss_mb',
    'peak_rss_mb', 'synthetic_scene', 'heap_retention_supported',
    'retain_freed_memory'
]
