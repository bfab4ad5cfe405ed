"""Models of SegRefiner, registered in mmengine's root ``MODELS``."""
from .attention import AttentionBlock
from .data_preprocessor import SegRefinerDataPreprocessor
from .fast_path import (ForwardMode, UNetRunner, native_bf16,
                        resolve_forward_mode)
from .inference_options import InferenceOptions
from .losses import SegRefinerMaskLoss, SegRefinerTextureL1Loss
from .refiner import SegRefiner
from .unet import SegRefinerUNet

__all__ = [
    'ForwardMode', 'InferenceOptions', 'UNetRunner', 'native_bf16', 'resolve_forward_mode',
    'SegRefiner', 'SegRefinerUNet', 'SegRefinerDataPreprocessor',
    'SegRefinerMaskLoss', 'SegRefinerTextureL1Loss', 'AttentionBlock'
]
