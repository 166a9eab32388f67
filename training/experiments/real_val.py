"""The real photos' val parts (train.real_photo_report, what every epoch reports) for v9, or for a run's checkpoint's
raw weights or moving average: what EXPERIMENTS.md's v10 table compares.

    PYTHONPATH=training training/.venv/bin/python training/experiments/real_val.py v9|raw|average [RUN_DIR]
"""

import sys

import torch

from agegender_train import train
from agegender_train.config import parse_config
from agegender_train.model import AgeGenderNet


def main() -> None:
    which, run = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "training/runs/v10"
    cfg = parse_config(["--recipe", "training/recipes/v10.json", "--no-progress"])
    _, val = train.load_real_photos(cfg, print)
    net = AgeGenderNet(cfg.arch, cfg.max_age, cfg.dropout)
    if which == "v9":
        train.load_own_weights(net, train.local_model(cfg.init_from, cfg.cache_dir))
    else:
        state = torch.load(f"{run}/checkpoint.pt", map_location="cpu", weights_only=False)
        weights = state["model"] if which == "raw" else {
            k.removeprefix("module."): v for k, v in state["ema"].items() if k.startswith("module.")
        }  # fmt: skip
        net.load_state_dict(weights)
        print("after epoch", state["epoch"] + 1)
    print(which, {k: round(v, 4) for k, v in train.real_photo_report(net.eval(), val, cfg).items()})


if __name__ == "__main__":
    main()
