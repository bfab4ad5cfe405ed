"""Utilities: benchmark timing and scenes, mmengine compatibility."""
from .compat import enable_trusted_checkpoint_loading
from .profiling import (ForwardTimer, current_rss_mb, peak_rss_mb,
                        synthetic_scene)

__all__ = [
    'enable_trusted_checkpoint_loading', 'ForwardTimer', 'current_rss_mb',
    'peak_rss_mb', 'synthetic_scene'
]
