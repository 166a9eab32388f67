"""How much would averaging our own runs buy on the wild and everyday photos? Each run's delivered weights
(training/runs/RUN/model.pt) on the FairFace and All-Age-Faces val parts, then their mean (age probabilities and
female logits averaged): an upper bound on what distilling that ensemble into one network could give. The runs share
v9 as their ancestor, so their errors are alike; an ensemble of runs trained apart would do better. EXPERIMENTS.md's
"An ensemble of our runs" reads it.

    PYTHONPATH=training training/.venv/bin/python training/experiments/lineage_ensemble.py v10 v11 v12 v13   # 6 min
"""

import sys

import numpy as np
import torch

from agegender_train.calibration import expected_age
from agegender_train.config import TrainConfig, load_recipe
from agegender_train.dataset import FaceSet
from agegender_train.inference import load_trained, run_model
from agegender_train.real_data import load_real_faces


def report(name: str, probs: np.ndarray, logits: np.ndarray, ages: np.ndarray, female: np.ndarray, source) -> None:
    wild, everyday = source == "fairface", source == "all-age-faces"
    gender = ((logits > 0) == (female == 1))[wild].mean()
    mae = np.abs(expected_age(probs) - ages)[everyday].mean()
    print(f"{name}: FairFace val gender {gender:.3f}; All-Age-Faces val MAE {mae:.2f}", flush=True)


def main() -> None:
    torch.set_num_threads(2)
    cfg = TrainConfig(**load_recipe("training/recipes/v13.json"))  # the current cut of the real photos
    val = load_real_faces(cfg.real_faces, cfg.real_split, ("fairface", "all-age-faces"), ("val",))
    faces = FaceSet([""] * len(val), val.images, val.age_range[:, 0], val.female, np.zeros(len(val), np.int64))
    outputs = []
    for run in sys.argv[1:]:
        model = load_trained(f"training/runs/{run}/model.pt")[0]
        outputs.append(run_model(model, faces, cfg.input_size, cfg.flip_average))
        report(run, *outputs[-1], val.age_range[:, 0], val.female, val.source)
    probs, logits = (np.mean([o[i] for o in outputs], axis=0) for i in (0, 1))
    report("mean of " + " ".join(sys.argv[1:]), probs, logits, val.age_range[:, 0], val.female, val.source)


if __name__ == "__main__":
    main()
