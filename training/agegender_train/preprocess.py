"""From decoded uint8 faces to normalised model input, plus training-time augmentation.

Plain preprocessing is a bilinear resize with half-pixel centres, the same arithmetic as
tf.image.resizeBilinear(..., halfPixelCenters=true) in src/lib (after block-averaging faces two or
more chips across, as src/lib does), then (x - mean) / std.
Augmentation (and the shift benchmark's geometry) samples through an affine grid, so with the
identity transform it reduces to exactly that resize.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .config import AugmentationConfig, GeometryConfig
from .dataset import SOURCE_SIZE
from .degrade import Condition, apply_steps, random_degradations
from .model import PIXEL_MEAN, PIXEL_STD


def _to_nchw(images: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    # A copy (decoded images may be read-only), sent as uint8: a quarter of the bytes of float.
    return torch.tensor(images).to(device).permute(0, 3, 1, 2).float()


def _normalise(x: torch.Tensor) -> torch.Tensor:
    return ((x - PIXEL_MEAN) / PIXEL_STD).contiguous(memory_format=torch.channels_last)


def to_model_input(images: np.ndarray, size: int) -> torch.Tensor:
    """uint8 NHWC faces -> normalised float NCHW at size x size.

    Faces k >= 2 chips (SOURCE_SIZE, 200 px) across are first averaged in k x k blocks, as
    src/lib/preprocess.ts does against aliasing; the 200 px chips training reads never are.
    """
    x = _to_nchw(images)
    k = min(x.shape[2], x.shape[3]) // SOURCE_SIZE
    if k >= 2:
        x = F.avg_pool2d(x, k)
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=False)
    return _normalise(x)


def _geometry_matrices(
    n: int,
    scale: torch.Tensor,
    angle_deg: torch.Tensor,
    shift_x: torch.Tensor,
    shift_y: torch.Tensor,
    squeeze_x: torch.Tensor,
    flip: torch.Tensor,
) -> torch.Tensor:
    """[N, 3, 3] maps from output to source coordinates (normalised to -1..1) for faces zoomed by
    `scale`, turned by `angle_deg`, moved by `shift` (fractions of the side), narrowed by `squeeze_x`
    and mirrored where flip is -1."""
    a = angle_deg * math.pi / 180
    cos, sin = torch.cos(a) / scale, torch.sin(a) / scale
    m = torch.zeros(n, 3, 3)
    m[:, 0, 0], m[:, 0, 1] = cos * flip / squeeze_x, sin
    m[:, 1, 0], m[:, 1, 1] = -sin * flip / squeeze_x, cos
    # Output centre (0, 0) samples the source at -R * 2 * shift: the face moves by +shift.
    m[:, 0, 2] = -(cos * shift_x + sin * shift_y) * 2
    m[:, 1, 2] = -(-sin * shift_x + cos * shift_y) * 2
    m[:, 2, 2] = 1
    return m


def alignment_matrices(transforms: np.ndarray) -> torch.Tensor:
    """[N, 3, 3] output -> chip maps (normalised) for alignment transforms (scale, rotate_deg, tx, ty), q = z p + t.

    alignFace computes q = z p + t from the detected keypoints (tx, ty in fractions of the side);
    sampling the chip at p = z^-1 (q - t) cuts the face exactly as the photo pipeline would have.
    """
    t = torch.from_numpy(np.asarray(transforms, dtype=np.float32))
    a = t[:, 1] * math.pi / 180
    cos, sin = torch.cos(a) / t[:, 0], torch.sin(a) / t[:, 0]
    m = torch.zeros(len(t), 3, 3)
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = cos, sin, -sin, cos
    # In -1..1 coordinates: p_n = W (q_n + 1 - 2 t) - 1.
    ux, uy = 1 - 2 * t[:, 2], 1 - 2 * t[:, 3]
    m[:, 0, 2] = cos * ux + sin * uy - 1
    m[:, 1, 2] = -sin * ux + cos * uy - 1
    m[:, 2, 2] = 1
    return m


def load_alignment_jitter(path: str | Path) -> np.ndarray:
    """Rows of (scale, rotate_deg, tx, ty) from the file `npm run derive:template` writes."""
    data = json.loads(Path(path).read_text())
    rows = np.asarray(data["transforms"], dtype=np.float32)
    if (
        rows.ndim != 2
        or rows.shape[1] != 4
        or not len(rows)
        or data.get("fields") != ["scale", "rotate_deg", "tx", "ty"]
    ):
        raise ValueError("expected {fields: [scale, rotate_deg, tx, ty], transforms: [[...], ...]}")
    return rows


def warp(x: torch.Tensor, size: int, matrices: torch.Tensor, device: torch.device | str = "cpu") -> torch.Tensor:
    """Sample float NCHW images through output -> source maps [N, 3, 3] into size x size, normalised.

    Outside the image the border pixel repeats, as alignFace's tf.image.transform ('nearest') does.
    """
    grid = F.affine_grid(matrices[:, :2].to(device), [len(x), 3, size, size], align_corners=False)
    return _normalise(F.grid_sample(x.to(device), grid, mode="bilinear", padding_mode="border", align_corners=False))


def augment(
    images: np.ndarray,
    size: int,
    gen: torch.Generator,
    device: torch.device | str = "cpu",
    degradations: AugmentationConfig | None = None,
    geometry: GeometryConfig = GeometryConfig(),
    alignment_jitter: np.ndarray | None = None,
) -> torch.Tensor:
    """Real-photo degradations (degrade.py), then random flip, rotation, zoom, shift and turn, composed
    with an alignment transform drawn from `alignment_jitter` (rows of scale, rotate_deg, tx, ty);
    returns normalised NCHW on `device`.

    The random parameters are drawn on the CPU from `gen`, so a run draws the same ones on any device.
    """
    n = len(images)

    def uniform(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, generator=gen)

    x = _to_nchw(images)
    if degradations is not None:
        x = random_degradations(x, degradations, gen)
    off = torch.rand(n, generator=gen) < geometry.p_off_centre
    turned = torch.rand(n, generator=gen) < geometry.p_turned
    shift_limit = torch.where(off, geometry.max_off_centre, geometry.max_shift)
    m = _geometry_matrices(
        n,
        scale=uniform(1 - geometry.max_scale, 1 + geometry.max_scale) * torch.where(off, uniform(0.8, 1.0), 1.0),
        angle_deg=uniform(-geometry.max_rotate_deg, geometry.max_rotate_deg),
        shift_x=uniform(-1, 1) * shift_limit,
        shift_y=uniform(-1, 1) * shift_limit,
        squeeze_x=torch.where(turned, uniform(geometry.min_squeeze, 1.0), 1.0),
        flip=torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0),
    )
    if alignment_jitter is not None and len(alignment_jitter):
        rows = torch.randint(0, len(alignment_jitter), (n,), generator=gen).numpy()
        m = alignment_matrices(alignment_jitter[rows]) @ m
    return warp(x, size, m, device)


def degrade_for_benchmark(
    images: np.ndarray, condition: Condition, size: int, seed: int, alignment_jitter: np.ndarray | None = None
) -> torch.Tensor:
    """The faces under one fixed shift-benchmark condition, as normalised model input (same draws for every model)."""
    gen = torch.Generator().manual_seed(seed)
    x = apply_steps(_to_nchw(images), condition.steps, gen)
    g, n = condition.geometry, len(images)
    full = lambda v: torch.full((n,), float(v))  # noqa: E731
    m = _geometry_matrices(
        n, full(g.scale), full(g.rotate_deg), full(g.shift_x), full(g.shift_y), full(g.squeeze_x), full(1)
    )
    if condition.alignment_jitter and alignment_jitter is not None:
        rows = torch.randint(0, len(alignment_jitter), (n,), generator=gen).numpy()
        m = alignment_matrices(alignment_jitter[rows]) @ m
    return warp(x, size, m)
