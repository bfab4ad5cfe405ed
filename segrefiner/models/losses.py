"""SegRefiner training losses.

References (official code, MengyuWang826/SegRefiner):

* ``loss_mask``: mmdet's ``CrossEntropyLoss(use_sigmoid=True)``, i.e.
  binary cross-entropy with logits averaged over every pixel;
* ``loss_texture``: ``TextureL1Loss`` in ``mmdet/models/losses/
  textrue_l1_loss.py``: 3x3 average pooling (zero padding counted), then the
  Sobel kernels ``[[1,0,-1],[2,0,-2],[1,0,-1]] / 4`` and
  ``[[1,2,1],[0,0,0],[-1,-2,-1]] / 4`` (cross-correlation, zero padding), the
  magnitude ``sqrt(gx^2 + gy^2 + 1e-4)`` of both ``sigmoid(logits)`` and the
  target, and the mean L1 between the two magnitudes, times 5.

The Sobel kernels are non-persistent buffers: they never enter a state dict,
so the official checkpoints' ``loss_texture.*`` entries are simply ignored.
The names are unique so that they never shadow (or are shadowed by) mmseg's
or mmdet's own losses in a child registry.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import MODELS


@MODELS.register_module()
class SegRefinerMaskLoss(nn.Module):
    """Binary cross-entropy with logits, mean over all pixels.

    Args:
        loss_weight: Multiplier of the loss.

    Example:
        >>> loss = SegRefinerMaskLoss()
        >>> round(loss(torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)).item(), 4)
        0.6931
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        loss = F.binary_cross_entropy_with_logits(logits.float(),
                                                  target.float())
        return self.loss_weight * loss


@MODELS.register_module()
class SegRefinerTextureL1Loss(nn.Module):
    """L1 between Sobel gradient magnitudes of the prediction and target.

    Args:
        loss_weight: Multiplier of the loss (5 in the official configs).
        eps: Added under the square root of the magnitude.

    Example:
        >>> loss = SegRefinerTextureL1Loss()
        >>> flat = torch.full((1, 1, 8, 8), -30.)
        >>> float(loss(flat, torch.zeros(1, 1, 8, 8))) < 1e-6
        True
    """

    def __init__(self, loss_weight: float = 5.0, eps: float = 1e-4) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.eps = eps
        gx = torch.tensor([[1., 0., -1.], [2., 0., -2.], [1., 0., -1.]]) / 4
        kernels = torch.stack([gx, gx.t()])[:, None]
        self.register_buffer('sobel', kernels, persistent=False)

    def gradient_magnitude(self, x: torch.Tensor) -> torch.Tensor:
        """Sobel magnitude of each channel of ``x`` after 3x3 smoothing."""
        b, c, h, w = x.shape
        x = F.avg_pool2d(x.reshape(b * c, 1, h, w), 3, stride=1, padding=1)
        grad = F.conv2d(x, self.sobel.to(x.dtype), padding=1)
        mag = torch.sqrt(grad.pow(2).sum(dim=1, keepdim=True) + self.eps)
        return mag.reshape(b, c, h, w)

    def forward(self, logits: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        pred = self.gradient_magnitude(logits.float().sigmoid())
        gt = self.gradient_magnitude(target.float())
        return self.loss_weight * F.l1_loss(pred, gt)
