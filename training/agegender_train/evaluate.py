"""Run a trained AgeGenderNet over faces, calibrate it, and report metrics per split and group."""
from __future__ import annotations

import numpy as np
import torch
from tqdm import tqdm

from .calibration import Calibration, fit_calibration, predictions
from .dataset import FaceSet
from .metrics import evaluation_report
from .model import AgeGenderNet
from .preprocess import to_model_input


@torch.no_grad()
def run_model(model: AgeGenderNet, faces: FaceSet, size: int, batch_size: int = 128, progress: bool = False,
              desc: str = "evaluating") -> tuple[np.ndarray, np.ndarray]:
    """Age probabilities [N, max_age+1] and female logits [N]."""
    model.eval()
    probs, logits = [], []
    for start in tqdm(range(0, len(faces), batch_size), desc=desc, disable=not progress, unit="batch"):
        age_logits, female_logit = model(to_model_input(faces.images[start:start + batch_size], size))
        probs.append(torch.softmax(age_logits.double(), dim=1).numpy())
        logits.append(female_logit.double().numpy())
    return np.concatenate(probs), np.concatenate(logits)


def calibrate_and_report(model: AgeGenderNet, splits: dict[str, FaceSet], size: int, coverage: float,
                         progress: bool = False) -> tuple[Calibration, dict]:
    """Fit the calibration on splits['val'], then report every split with it."""
    outputs = {name: run_model(model, faces, size, progress=progress, desc=f"evaluating {name}") for name, faces in splits.items()}
    val = splits["val"]
    calibration = fit_calibration(*outputs["val"], val.ages, val.genders, coverage)
    report = {name: evaluation_report(predictions(*outputs[name], calibration), faces.ages, faces.genders, faces.races)
              for name, faces in splits.items()}
    return calibration, report
