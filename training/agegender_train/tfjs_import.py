"""Load an exported tfjs-layers model (model.json + weight shards) back into a PyTorch AgeGenderNet.

Exists so that a shipped artifact, such as the previous model in public/models/agegender, can be
evaluated in PyTorch (e.g. on the shift benchmark) without its training checkpoint. It is the inverse
of model.py's tfjs_layer_weights plus tfjs's own weight decoding (tfjs-core io_utils.js decodeWeight):
each manifest group is its shards concatenated; weights follow each other in it, each stored as its
quantization dtype when it has one (uint8/uint16: q * scale + min; float16: IEEE half), else float32.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .model import ARCHITECTURES, AgeGenderNet

_STORED = {"float32": "<f4", "float16": "<f2", "uint8": "u1", "uint16": "<u2"}
_TORCH_NAME = {
    "kernel": "weight",
    "depthwise_kernel": "weight",
    "bias": "bias",
    "gamma": "weight",
    "beta": "bias",
    "moving_mean": "running_mean",
    "moving_variance": "running_var",
}


def read_weights(model_json: Path, manifest: list[dict]) -> dict[str, np.ndarray]:
    """Weight name -> array in the tfjs layout (float32, or int32 for a graph model's shape constants),
    decoded as tfjs 4.x decodes it."""
    out = {}
    for group in manifest:
        data = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            dtype = spec.get("dtype", "float32")
            if dtype == "int32" and "quantization" not in spec:
                count = int(np.prod(spec["shape"]))
                out[spec["name"]] = np.frombuffer(data, "<i4", count, offset).reshape(spec["shape"]).copy()
                offset += 4 * count
                continue
            if dtype != "float32":
                raise ValueError(
                    f"{spec['name']}: only float32 (plain or quantized) and plain int32 weights are supported, "
                    f"not {dtype}{' quantized' if 'quantization' in spec else ''}"
                )
            q = spec.get("quantization")
            stored = np.dtype(_STORED[q["dtype"] if q else "float32"])
            count = int(np.prod(spec["shape"]))
            raw = np.frombuffer(data, stored, count, offset)
            offset += count * stored.itemsize
            values = raw * q["scale"] + q["min"] if q and q["dtype"] in ("uint8", "uint16") else raw  # float64, as JS
            out[spec["name"]] = values.astype(np.float32).reshape(spec["shape"])
        if offset != len(data):
            raise ValueError(f"weight group {group['paths']} holds {len(data)} bytes, its manifest describes {offset}")
    return out


def _tfjs_layers(model: AgeGenderNet) -> dict[str, nn.Module]:
    """The torch module behind each tf.layers name (training/tfjs_export/network.ts)."""
    layers = {
        "stem_conv": model._conv_stem,
        "stem_bn": model._bn0,
        "head_conv": model._conv_head,
        "head_bn": model._bn1,
        "age_probs": model.age_head,
        "female_logit": model.gender_head,
    }
    if model.scan_head is not None and model.scan_age_head is not None:
        layers |= {"scan_logit": model.scan_head, "scan_age_probs": model.scan_age_head}
    for i, block in enumerate(model._blocks):
        if block.has_expand:
            layers |= {f"block{i}_expand_conv": block._expand_conv, f"block{i}_expand_bn": block._bn0}
        layers |= {
            f"block{i}_dwconv": block._depthwise_conv,
            f"block{i}_dw_bn": block._bn1,
            f"block{i}_project_conv": block._project_conv,
            f"block{i}_project_bn": block._bn2,
        }
    return layers


def _to_torch(name: str, array: np.ndarray) -> np.ndarray:
    if name.endswith("/depthwise_kernel"):
        return array.transpose(2, 3, 0, 1)  # (H, W, C, 1) -> (C, 1, H, W)
    if name.endswith("/kernel"):
        # conv (H, W, I, O) -> (O, I, H, W); dense (I, O) -> (O, I)
        return array.transpose(3, 2, 0, 1) if array.ndim == 4 else array.T
    return array


def _targets(
    model: AgeGenderNet, weights: dict[str, np.ndarray], strides: dict[str, list]
) -> dict[str, torch.Tensor] | None:
    """Torch tensor per tfjs weight name if `weights` (and the conv strides) fit this model exactly, else None."""
    layers = _tfjs_layers(model)
    targets = {}
    for name, array in weights.items():
        layer, _, weight = name.partition("/")
        module = layers.get(layer)
        if module is None or weight not in _TORCH_NAME:
            return None
        if isinstance(module, nn.Conv2d) and tuple(strides.get(layer) or ()) != module.stride:
            return None
        targets[name] = getattr(module, _TORCH_NAME[weight])
        if tuple(targets[name].shape) != _to_torch(name, array).shape:
            return None
    expected = sum(len(list(m.parameters())) + (2 if isinstance(m, nn.BatchNorm2d) else 0) for m in layers.values())
    return targets if len(targets) == expected else None


def load_tfjs_model(model_json: str | Path) -> tuple[AgeGenderNet, dict]:
    """The AgeGenderNet (eval mode, float32) an exported model.json describes, and its userDefinedMetadata."""
    model_json = Path(model_json)
    spec = json.loads(model_json.read_text())
    weights = read_weights(model_json, spec["weightsManifest"])
    strides = {layer["name"]: layer["config"].get("strides") for layer in spec["modelTopology"]["config"]["layers"]}
    max_age = weights["age_probs/bias"].shape[0] - 1
    # export.ts keeps the architecture out of model.json: find the one in ARCHITECTURES the weights fit.
    for arch in ARCHITECTURES:
        model = AgeGenderNet(arch, max_age)
        if "scan_logit/bias" in weights:
            model.scan_head = nn.Linear(model.age_head.in_features, 1)
            model.scan_age_head = nn.Linear(model.age_head.in_features, max_age + 1)
        targets = _targets(model, weights, strides)
        if targets is not None:
            break
    else:
        raise ValueError(f"{model_json}: the weights fit none of the architectures {list(ARCHITECTURES)}")
    with torch.no_grad():
        for name, tensor in targets.items():
            tensor.copy_(torch.from_numpy(np.ascontiguousarray(_to_torch(name, weights[name]))))
    return model.eval(), spec.get("userDefinedMetadata", {})
