"""A trained AgeGenderNet read from a run's model.pt, and its outputs on faces.

A module of its own so that evaluate.py, shift.py, train.py and export.py, which all need them, import them without
importing each other (tests/test_imports.py keeps the package free of import circles).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from .config import AugmentationConfig, GeometryConfig, TrainConfig
from .dataset import FaceSet
from .model import AgeGenderNet
from .preprocess import augment, to_model_input

ModelInputs = Callable[[np.ndarray, int], torch.Tensor]  # (uint8 faces, index of the first) -> normalised NCHW


def degraded_inputs(size: int, seed: int, copy: int, jitter: np.ndarray | None) -> ModelInputs:
    """Inputs of degraded copy `copy` of a face set: the default degradations and cuts, whatever a run trained with,
    so that every model is calibrated on the same harder faces; seeded by face, so a copy is the same every time."""
    return lambda images, start: augment(
        images,
        size,
        torch.Generator().manual_seed(seed + 7919 * (copy + 1) + start),
        "cpu",
        AugmentationConfig(),
        GeometryConfig(),
        jitter,
    )


@torch.no_grad()
def run_model(
    model: AgeGenderNet,
    faces: FaceSet,
    size: int,
    flip_average: bool,
    batch_size: int = 128,
    progress: bool = False,
    desc: str = "evaluating",
    inputs: ModelInputs | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Age probabilities [N, max_age+1] and female logits [N]; with flip_average, the mean over the face and its mirror image.

    `inputs` turns a batch of faces into model input (default: the plain resize; shift.py degrades them first).
    """
    model.eval()
    device = next(model.parameters()).device
    probs, logits = [], []
    for start in tqdm(range(0, len(faces), batch_size), desc=desc, disable=not progress, unit="batch"):
        images = faces.images[start : start + batch_size]
        x = (inputs(images, start) if inputs else to_model_input(images, size)).to(device)
        views = [x, x.flip(-1)] if flip_average else [x]
        outputs = [model(v) for v in views]
        probs.append(torch.stack([torch.softmax(a.double(), dim=1) for a, _ in outputs]).mean(0).cpu().numpy())
        logits.append(torch.stack([g.double() for _, g in outputs]).mean(0).cpu().numpy())
    return np.concatenate(probs), np.concatenate(logits)


def load_trained(path: str | Path) -> tuple[AgeGenderNet, TrainConfig, dict]:
    """A run's model.pt: the model (eval mode), the config it was trained with, and everything the file holds."""
    state = torch.load(path, map_location="cpu", weights_only=False)
    cfg = TrainConfig.from_dict(state["config"])
    model = AgeGenderNet(cfg.arch, cfg.max_age, cfg.dropout)
    model.load_state_dict(state["model"])
    return model.eval().to(memory_format=torch.channels_last), cfg, state  # 2-3x faster convolutions on the CPU
