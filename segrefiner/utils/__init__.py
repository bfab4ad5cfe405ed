"""Utilities: timing and synthetic scenes for benchmarks."""
from .profiling import (ForwardTimer, current_rss_mb, peak_rss_mb,
                        synthetic_scene)

__all__ = ['ForwardTimer', 'current_rss_mb', 'peak_rss_mb', 'synthetic_scene']
