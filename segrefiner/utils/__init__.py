"""Utilities: benchmark timing and scenes, CPU heap retention, the progress
bar."""
from .heap import heap_retention_supported, retain_freed_memory
from .profiling import (ForwardTimer, current_rss_mb, peak_rss_mb,
                        synthetic_scene)
from .progress import progress_bar

__all__ = [
    'ForwardTimer', 'current_rss_mb', 'progress_bar',
    'peak_rss_mb', 'synthetic_scene', 'heap_retention_supported',
    'retain_freed_memory'
]
