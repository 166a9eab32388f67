"""How much would averaging our own runs buy on the wild and everyday photos? Each run's delivered weights
(training/runs/RUN/model.pt), then their mean (age probabilities and female logits averaged), through
train.real_photo_report (what every epoch reports) on the FairFace and All-Age-Faces val parts: an upper bound on what
distilling that ensemble into one network could give. The runs share v9 as their ancestor, so their errors are alike;
an ensemble of runs trained apart would do better. EXPERIMENTS.md's "An ensemble of our runs" reads it.

    PYTHONPATH=training training/.venv/bin/python training/experiments/lineage_ensemble.py v10 v11 v12 v13   # 6 min
"""

import sys

import torch

from agegender_train import train
from agegender_train.config import TrainConfig, load_recipe
from agegender_train.inference import load_trained
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
    models = {run: load_trained(f"training/runs/{run}/model.pt")[0] for run in sys.argv[1:]}
    models["mean of " + " ".join(models)] = MeanOfRuns(list(models.values()))
    for name, model in models.items():
        report = train.real_photo_report(model, val, cfg)
        print(name, {k.removeprefix("val_"): round(v, 3) for k, v in report.items()}, flush=True)


if __name__ == "__main__":
    main()
