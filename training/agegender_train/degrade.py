"""What real photos do to a face and UTKFace chips do not: faded scans, grain, blur, small faces,
JPEG artefacts, colour casts, dim light, occlusion, and the imperfect geometry of detection + alignment.

One function per degradation, each on a batch of float NCHW images in 0..255 with a strength per
image. Training draws them at random (`random_degradations`); the shift benchmark (shift.py) applies
each at fixed strengths (`CONDITIONS`). Where the face sits (tilted, off-centre, turned, cut as
detection + alignment cut it) is applied by preprocess.py's affine warp; `Geometry` names one fixed
such offset for a benchmark condition.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .config import AugmentationConfig

Batch = torch.Tensor  # float [N, 3, H, W], 0..255
Strength = torch.Tensor  # float [N]

_LUMA = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
_SEPIA = torch.tensor([1.07, 0.74, 0.43]).view(1, 3, 1, 1)  # tint of an aged print


def _per_image(s: Strength) -> torch.Tensor:
    return s.view(-1, 1, 1, 1)


def grey(x: Batch, s: Strength) -> Batch:
    """Blend towards greyscale; s = 1 is fully grey."""
    g = (x * _LUMA).sum(1, keepdim=True)
    return x + _per_image(s) * (g - x)


def faded_scan(x: Batch, s: Strength) -> Batch:
    """An old print: greyscale, sepia tint, lifted blacks and lost contrast; s in 0..1."""
    g = (x * _LUMA).sum(1, keepdim=True)
    k = _per_image(s)
    sepia = (g * _SEPIA).clamp(0, 255)
    faded = sepia * (1 - 0.45 * k) + 255 * 0.3 * k  # blacks lifted, highlights dulled
    return x + k * (faded - x)


def grain(x: Batch, s: Strength, gen: torch.Generator) -> Batch:
    """Film grain / sensor noise: Gaussian with standard deviation s (0..255 scale), partly shared by the channels."""
    n, _, h, w = x.shape
    mono = torch.randn(n, 1, h, w, generator=gen)
    colour = torch.randn(n, 3, h, w, generator=gen)
    return x + _per_image(s) * (0.8 * mono + 0.6 * colour)


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    radius = max(1, math.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    return k / k.sum()


def blur(x: Batch, s: Strength) -> Batch:
    """Gaussian blur (defocus, motion-free) of standard deviation s pixels at 200 px; s = 0 leaves the image."""
    out = x.clone()
    for sigma in torch.unique(s).tolist():
        if sigma <= 0.05:
            continue
        idx = (s == sigma).nonzero().squeeze(1)
        k = _gaussian_kernel(sigma)
        r = (len(k) - 1) // 2
        y = x[idx].reshape(-1, 1, *x.shape[2:])
        y = F.conv2d(F.pad(y, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
        y = F.conv2d(F.pad(y, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1))
        out[idx] = y.reshape(len(idx), 3, *x.shape[2:])
    return out


def small_face(x: Batch, s: Strength) -> Batch:
    """The chip shrunk to s pixels a side (antialiased) and blown up again, as a small face in a photo is."""
    out = x.clone()
    size = x.shape[-1]
    for side in torch.unique(s).tolist():
        side = int(round(side))
        if side >= size:
            continue
        idx = (s == side).nonzero().squeeze(1)
        small = F.interpolate(x[idx], size=(side, side), mode="bilinear", antialias=True, align_corners=False)
        out[idx] = F.interpolate(small, size=x.shape[-2:], mode="bilinear", align_corners=False)
    return out


def jpeg(x: Batch, s: Strength) -> Batch:
    """JPEG round trip at quality s (1..95); s >= 100 leaves the image."""
    out = x.clone()
    for i, quality in enumerate(s.tolist()):
        if quality >= 100:
            continue
        buffer = io.BytesIO()
        Image.fromarray(x[i].clamp(0, 255).round().byte().permute(1, 2, 0).numpy()).save(
            buffer, "JPEG", quality=int(quality)
        )
        out[i] = torch.from_numpy(np.asarray(Image.open(buffer).convert("RGB"), dtype=np.float32)).permute(2, 0, 1)
    return out


def colour_cast(x: Batch, s: Strength, gen: torch.Generator) -> Batch:
    """Channel gains 1 +- s in a random direction (tungsten, fluorescent, faded dyes)."""
    direction = torch.randn(len(x), 3, generator=gen)
    direction = direction / direction.norm(dim=1, keepdim=True)
    return x * (1 + s.view(-1, 1) * direction).clamp(min=0.2).view(-1, 3, 1, 1)


def exposure(x: Batch, s: Strength) -> Batch:
    """Exposure s: s < 1 darkens the mid-tones (gamma 1/sqrt(s)) and dims the highlights, as a dim
    room does after the camera's auto-exposure; s > 1 brightens and burns out the highlights."""
    k = _per_image(s)
    return 255 * ((x.clamp(0, 255) / 255) ** k.pow(-0.5)) * torch.where(k < 1, 0.5 + 0.5 * k, k.pow(0.3))


def occlusion(x: Batch, s: Strength, gen: torch.Generator) -> Batch:
    """A flat rectangle (hand, scarf, sunglasses, another head) covering the fraction s of the image."""
    n, _, h, w = x.shape
    out = x.clone()
    for i, frac in enumerate(s.tolist()):
        if frac <= 0:
            continue
        aspect = math.exp((torch.rand(1, generator=gen).item() - 0.5) * 1.5)
        rh = min(h, int(round(math.sqrt(frac * h * w / aspect))))
        rw = min(w, int(round(frac * h * w / max(rh, 1))))
        top = int(torch.randint(0, h - rh + 1, (1,), generator=gen))
        left = int(torch.randint(0, w - rw + 1, (1,), generator=gen))
        out[i, :, top : top + rh, left : left + rw] = torch.rand(3, 1, 1, generator=gen) * 255
    return out


@dataclass(frozen=True)
class Geometry:
    """How far the face sits from where alignment should put it (applied by preprocess.warp)."""

    rotate_deg: float = 0.0
    scale: float = 1.0  # > 1 zooms in
    shift_x: float = 0.0  # fraction of the image side
    shift_y: float = 0.0
    squeeze_x: float = 1.0  # < 1 narrows the face horizontally, as a head turned away does


Degradation = Callable[[Batch, Strength, torch.Generator], Batch]

DEGRADATIONS: dict[str, Degradation] = {
    "grey": lambda x, s, g: grey(x, s),
    "faded_scan": lambda x, s, g: faded_scan(x, s),
    "grain": grain,
    "blur": lambda x, s, g: blur(x, s),
    "small_face": lambda x, s, g: small_face(x, s),
    "jpeg": lambda x, s, g: jpeg(x, s),
    "colour_cast": colour_cast,
    "exposure": lambda x, s, g: exposure(x, s),
    "occlusion": occlusion,
}


@dataclass(frozen=True)
class Condition:
    """One cell of the shift benchmark: degradations at fixed strengths, in the order a photo meets them."""

    name: str
    steps: tuple[tuple[str, float], ...] = ()
    geometry: Geometry = Geometry()
    alignment_jitter: bool = False  # also cut as detection + alignment cut it (a measured transform per face)


def apply_steps(x: Batch, steps: tuple[tuple[str, float], ...], gen: torch.Generator) -> Batch:
    for kind, strength in steps:
        x = DEGRADATIONS[kind](x, torch.full((len(x),), float(strength)), gen)
    return x.clamp(0, 255)


# The shift benchmark. Old scans and wild photos as the users' photos come, then each factor alone.
CONDITIONS: tuple[Condition, ...] = (
    Condition("clean"),
    Condition("detected + aligned", alignment_jitter=True),
    Condition("old scan", (("faded_scan", 0.8), ("blur", 1.2), ("grain", 10), ("jpeg", 50))),
    Condition("old scan, strong", (("faded_scan", 1.0), ("small_face", 80), ("grain", 18), ("jpeg", 30))),
    Condition("grey", (("grey", 1.0),)),
    Condition("faded print", (("faded_scan", 1.0),)),
    Condition("grain 12", (("grain", 12),)),
    Condition("grain 24", (("grain", 24),)),
    Condition("blur 1.5 px", (("blur", 1.5),)),
    Condition("blur 3 px", (("blur", 3.0),)),
    Condition("face 48 px", (("small_face", 80),)),
    Condition("face 24 px", (("small_face", 40),)),
    Condition("JPEG q10", (("jpeg", 10),)),
    Condition("colour cast", (("colour_cast", 0.25),)),
    Condition("dim light", (("exposure", 0.35), ("grain", 8), ("jpeg", 60))),
    Condition("very dim", (("exposure", 0.18), ("grain", 12), ("jpeg", 60))),
    Condition("overexposed", (("exposure", 1.8),)),
    Condition("occluded 20%", (("occlusion", 0.2),)),
    Condition("tilted 20 deg", geometry=Geometry(rotate_deg=20)),
    Condition("off-centre 12%", geometry=Geometry(shift_x=0.12, shift_y=-0.06, scale=0.9)),
    Condition("turned head", geometry=Geometry(squeeze_x=0.7, shift_x=0.08)),
    Condition(
        "wild: dim, small, turned",
        (("exposure", 0.4), ("small_face", 80), ("grain", 8), ("jpeg", 40)),
        Geometry(squeeze_x=0.8, shift_x=0.06, rotate_deg=8),
    ),
)


def random_degradations(x: Batch, cfg: AugmentationConfig, gen: torch.Generator) -> Batch:
    """Each degradation on a random subset of the batch, at a random strength, in a photo's order."""

    def maybe(kind: str, p: float, low: float, high: float, step: float = 0.0, log: bool = False) -> None:
        chosen = (torch.rand(len(x), generator=gen) < p).nonzero().squeeze(1)
        if not len(chosen):
            return
        u = torch.rand(len(chosen), generator=gen)
        s = torch.exp(math.log(low) + (math.log(high) - math.log(low)) * u) if log else low + (high - low) * u
        if step:  # few distinct values, so that blur and resizing run once per value
            s = (s / step).round() * step
        x[chosen] = DEGRADATIONS[kind](x[chosen], s, gen).clamp(0, 255)

    x = x.clone()
    maybe("grey", cfg.p_grey, 1.0, 1.0)
    maybe("faded_scan", cfg.p_faded_scan, 0.4, 1.0)
    maybe("exposure", cfg.p_exposure, *cfg.exposure_range, log=True)
    maybe("colour_cast", cfg.p_colour_cast, 0.05, cfg.colour_cast_max)
    maybe("occlusion", cfg.p_occlusion, 0.05, cfg.occlusion_max)
    maybe("blur", cfg.p_blur, 0.5, cfg.blur_max, step=0.5)
    maybe("small_face", cfg.p_small_face, cfg.small_face_min, 120, step=8)
    maybe("grain", cfg.p_grain, 2, cfg.grain_max)
    maybe("jpeg", cfg.p_jpeg, cfg.jpeg_min, 90, step=1)
    return x
