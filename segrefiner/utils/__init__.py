"""Utilities: benchmark timing and scenes, CPU heap
retention."""
from .heap import heap_retention_supported, retain_freed_memory
from .profiling import (ForwardTimer, current_rss_mb, peak_rss_mb,
                        synthetic_scene)

__all__ = [
    'ForwardTimer', 'current_rss_mb',
    'peak_rss_mb', 'synthetic_scene', 'heap_retention_supported',
    'retain_freed_memory'
]
