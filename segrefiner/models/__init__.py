"""Models of SegRefiner, registered in mmengine's root ``MODELS``."""
from .attention import AttentionBlock
from .data_preprocessor import SegRefinerDataPreprocessor
from .losses import SegRefinerMaskLoss, SegRefinerTextureL1Loss
from .refiner import SegRefiner
from .unet import SegRefinerUNet

__all__ = [
    'SegRefiner', 'SegRefinerUNet', 'SegRefinerDataPreprocessor',
    'SegRefinerMaskLoss', 'SegRefinerTextureL1Loss', 'AttentionBlock'
]
