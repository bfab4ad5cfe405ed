"""Utilities: benchmark timing and scenes, mmengine compatibility, CPU heap
retention."""
from .compat import enable_trusted_checkpoint_loading
from .heap import heap_retention_supported, retain_freed_memory
from .profiling import (ForwardTimer, current_rss_mb, peak_rss_mb,
                        synthetic_scene)

__all__ = [
    'enable_trusted_checkpoint_loading', 'ForwardTimer', 'current_rss_mb',
    'peak_rss_mb', 'synthetic_scene', 'heap_retention_supported',
    'retain_freed_memory'
]
