"""Mask helpers: binary class masks of a label map."""
import torch


def class_masks(labels: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
    """``(C, H, W)`` bool masks ``labels == c`` for each class in ``classes``.

    Example:
        >>> class_masks(torch.tensor([[0, 1], [1, 2]]), torch.tensor([1, 2]))
        tensor([[[False,  True],
                 [ True, False]],
        <BLANKLINE>
                [[False, False],
                 [False,  True]]])
    """
    return labels[None] == classes.to(labels.device)[:, None, None]
