"""How well a run's delivered weights (RUN/model.pt) read the wild and everyday photos they trained on, beside the
ones they did not: train.real_photo_report (what every epoch reports) on 2,500 faces drawn from the FairFace and
All-Age-Faces train parts (seed 0), then on their val parts. Train close to val means the run underfits the real
photos; far above, that it learnt them by heart. EXPERIMENTS.md's "v13" reads it.

    PYTHONPATH=training training/.venv/bin/python training/experiments/fit_gap.py v11 v12   # 4 min a run
"""

import sys

import numpy as np
import torch

from agegender_train import train
from agegender_train.config import TrainConfig, load_recipe
from agegender_train.inference import load_trained
from agegender_train.real_data import load_real_faces

SETS = ("fairface", "all-age-faces")


def main() -> None:
    torch.set_num_threads(2)
    cfg = TrainConfig(**load_recipe("training/recipes/v12.json"))  # the current cut of the real photos
    every = load_real_faces(cfg.real_faces, cfg.real_split, SETS, ("train",))
    parts = {
        "train": every.take(np.sort(np.random.default_rng(0).choice(len(every), 2500, replace=False))),
        "val": load_real_faces(cfg.real_faces, cfg.real_split, SETS, ("val",)),
    }
    for run in sys.argv[1:]:
        model = load_trained(f"training/runs/{run}/model.pt")[0]
        for part, faces in parts.items():
            report = train.real_photo_report(model, faces, cfg)
            print(run, part, {k.removeprefix("val_"): round(v, 3) for k, v in report.items()}, flush=True)


if __name__ == "__main__":
    main()
