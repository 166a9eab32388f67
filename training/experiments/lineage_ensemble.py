"""How much would averaging our own models buy on the wild and everyday photos? Each model (a run's delivered weights,
training/runs/RUN/model.pt, or any model a recipe's teacher may name: a path or git:REVISION:PATH), then their mean
(age probabilities and female logits averaged), through train.real_photo_report (what every epoch reports) on the
FairFace and All-Age-Faces val parts, and through train.validate on UTKFace's: an upper bound on what distilling that
ensemble into one network could give. EXPERIMENTS.md's "An ensemble of our runs" and "A longer fresh start" read it.

    PYTHONPATH=training training/.venv/bin/python training/experiments/lineage_ensemble.py v10 v11 v12 v13   # 6 min
    PYTHONPATH=training training/.venv/bin/python training/experiments/lineage_ensemble.py \
        git:6e6142e:public/models/agegender/model.json fresh-real-long   # v13 as shipped and a run
"""

import json
import sys
from pathlib import Path

import torch

from agegender_train import train
from agegender_train.config import TrainConfig, load_recipe
from agegender_train.dataset import load_utkface
from agegender_train.real_data import load_real_faces


class MeanOfRuns(torch.nn.Module):
    """The runs as one network: log of their mean age probabilities (so that a softmax gives that mean back) and
    their mean female logit."""

    def __init__(self, runs: list[torch.nn.Module]) -> None:
        super().__init__()
        self.runs = torch.nn.ModuleList(runs)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        outputs = [run(x) for run in self.runs]
        probs = torch.stack([torch.softmax(a.double(), dim=1) for a, _ in outputs]).mean(0)
        return probs.log(), torch.stack([g.double() for _, g in outputs]).mean(0)


def main() -> None:
    torch.set_num_threads(2)
    cfg = TrainConfig(**load_recipe("training/recipes/v13.json"))  # the current cut of the real photos
    val = load_real_faces(cfg.real_faces, cfg.real_split, ("fairface", "all-age-faces"), ("val",))
    utkface = load_utkface(cfg.data, cfg.cache_dir, progress=False)[0]
    utkface_val = utkface.subset(json.loads(Path(cfg.split_file).read_text())["val"])
    models = {}
    for ref in sys.argv[1:]:
        path = ref if "/" in ref else f"training/runs/{ref}/model.pt"
        model, size, flip = train.load_teacher(train.local_model(path, cfg.cache_dir), torch.device("cpu"))
        if (size, flip) != (cfg.input_size, cfg.flip_average):
            raise SystemExit(f"{ref} reads {size} px faces (mirror-averaged: {flip}), v13 {cfg.input_size} px")
        models[ref] = model
    models["mean of " + " ".join(models)] = MeanOfRuns(list(models.values()))
    for name, model in models.items():
        report = train.real_photo_report(model, val, cfg) | train.validate(model, utkface_val, cfg)
        print(name, {k.removeprefix("val_"): round(v, 3) for k, v in report.items()}, flush=True)


if __name__ == "__main__":
    main()
