"""From decoded uint8 faces to normalised model input, plus training-time augmentation.

Plain preprocessing is a bilinear resize with half-pixel centres and no antialiasing, the same
arithmetic as tf.image.resizeBilinear(..., halfPixelCenters=true) in src/lib, then (x - mean) / std.
Augmentation samples through a random affine grid, so with the identity transform it reduces to
exactly that resize.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .model import PIXEL_MEAN, PIXEL_STD


def _to_nchw(images: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    # A copy (decoded images may be read-only), sent as uint8: a quarter of the bytes of float.
    return torch.tensor(images).to(device).permute(0, 3, 1, 2).float()


def _normalise(x: torch.Tensor) -> torch.Tensor:
    return ((x - PIXEL_MEAN) / PIXEL_STD).contiguous(memory_format=torch.channels_last)


def to_model_input(images: np.ndarray, size: int) -> torch.Tensor:
    """uint8 NHWC faces -> normalised float NCHW at size x size."""
    x = F.interpolate(_to_nchw(images), size=(size, size), mode="bilinear", align_corners=False, antialias=False)
    return _normalise(x)


def augment(images: np.ndarray, size: int, gen: torch.Generator, device: torch.device | str = "cpu",
            max_rotate_deg: float = 10.0, max_scale: float = 0.1, max_shift: float = 0.05,
            max_jitter: float = 0.2) -> torch.Tensor:
    """Random flip, rotation, zoom, shift, brightness and contrast; returns normalised NCHW on `device`.

    The random parameters are drawn on the CPU from `gen`, so a run draws the same ones on any device.
    """
    n = len(images)
    def uniform(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, generator=gen)
    angle = uniform(-max_rotate_deg, max_rotate_deg) * math.pi / 180
    scale = uniform(1 - max_scale, 1 + max_scale)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([
        torch.stack([cos * flip, -sin, uniform(-max_shift, max_shift) * 2], 1),
        torch.stack([sin * flip, cos, uniform(-max_shift, max_shift) * 2], 1),
    ], 1)
    grid = F.affine_grid(theta.to(device), [n, 3, size, size], align_corners=False)
    x = F.grid_sample(_to_nchw(images, device), grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    contrast = uniform(1 - max_jitter, 1 + max_jitter).view(n, 1, 1, 1).to(device)
    brightness = uniform(-max_jitter, max_jitter).view(n, 1, 1, 1).to(device) * 128
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = ((x - mean) * contrast + mean + brightness).clamp(0, 255)
    return _normalise(x)
