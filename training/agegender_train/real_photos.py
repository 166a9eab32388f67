"""Teach a trained model's heads real photos, and calibrate it per kind of photo, judged by person folds.

    npm run cut:faces                                                        # every set's faces, as the app cuts them
    PYTHONPATH=training training/.venv/bin/python -m agegender_train.real_photos --model M --export --holdout-fold 0
    (build.py runs it as a recipe's last stage)

The backbone and the age head of `--model` stay; its gender head is fitted again (starting from its own, pulled
back towards it), and a scan head and an age head for old scans are fitted, on its pooled features of UTKFace
training faces (clean and degraded), the largest face of each FG-NET dev scan and FairFace dev photo (fold
`--holdout-fold` kept out: fold 0 is their test part), and even samples of FairFace's and All-Age-Faces' train
parts (`--wild-train-faces`, `--everyday-train-faces`). The interval gets two sets of band scales: one fitted on
photos (UTKFace val and degraded copies, All-Age-Faces val), one on scans (FG-NET dev, out of fold), and each face
takes the set of the kind its scan head says; the gender temperature and uncertain band are fitted on wild photos
(FairFace dev out of fold, FairFace val), the scan threshold stays quiet on each kind of modern photo, and an interval
that holds age 1 starts at 0 (youngest_labelled_age). Every FG-NET and FairFace dev figure this prints is out of
fold for the heads (FG-NET folds hold whole persons), not for a backbone trained on those train parts (a recipe's
real_mix): then only the test parts (the card's) are unseen. Writes the model and its card.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from .calibration import Calibration, apply_interval, expected_age, fit_interval_bands, fit_temperature, sigmoid
from .config import GENDER_UNCERTAIN, TrainConfig, age_band, config_parser
from .data_terms import card_sets, license_section
from .dataset import FaceSet, load_utkface, parse_utkface_name, save_npz_atomic
from .export import export_tfjs, face_api_real_photos, real_photo_bench, size_section
from .inference import degraded_inputs
from .metrics import evaluation_report
from .model import AgeGenderNet
from .preprocess import load_alignment_jitter, to_model_input
from .real_data import RealFaces, load_real_faces
from .tfjs_import import load_tfjs_model
from .train import local_model


@dataclass
class RealPhotoConfig:
    model: str = "public/models/agegender/model.json"  # the exported model whose backbone is kept
    faces_dir: str = "training/.cache/faces"  # written by npm run cut:faces
    real_split: str = "training/splits/real-photos.json"  # real_data.py's split: the sets' train and val parts
    utkface: str = "../shared/data/UTKFace"
    split_file: str = "training/splits/utkface.json"
    alignment_jitter: str = "training/geometry/alignment-jitter.json"
    cache_dir: str = "training/.cache"
    out: str = "public/models/agegender"  # with --export: where the model and its card are written
    export: bool = False
    train_faces: int = 6000  # an even sample of UTKFace's train part (features cost ~25 ms a view here)
    folds: int = 5
    # A fold of training/splits/real-photo-folds.json kept out of every fit; fold 0 is the test part of real_split,
    # which train.py never trains on: bench:real-photos --part test then judges the result on photos nothing here saw.
    holdout_fold: int = -1
    before: str = "public/models/agegender/model.json"  # with holdout_fold: the model the card compares on that fold
    real_weight: float = 16.0  # loss weight of one FG-NET dev or FairFace dev photo against one UTKFace face
    # Even samples of the train parts of FairFace and All-Age-Faces (real_split) the heads are fitted on too, each
    # photo weighing modern_weight UTKFace faces; their val parts calibrate (0: neither set is read).
    wild_train_faces: int = 0
    everyday_train_faces: int = 0
    modern_weight: float = 4.0
    # The scan threshold rises above scan_threshold until at most this share of each kind of modern val face (UTKFace
    # val, its degraded copies, All-Age-Faces val, FairFace val) is read as an old scan; 1: as given.
    scan_flag_rate: float = 1.0
    anchor: float = 3e-3  # pull of the heads towards the model's own (L2 on the difference)
    scan_head_chip_weight: float = 0.1  # weight of a UTKFace or FairFace face in the scan age head's loss
    scan_threshold: float = 0.7  # a face is read as an old scan from this scan probability on
    scan_min_faces_per_band: int = 20  # scans are few: a band of true age gets its own scale from this many
    steps: int = 400
    lr: float = 3e-3
    coverage: float = 0.9
    min_spread: float = 1.0
    # An interval that holds this age starts at 0: UTKFace labels its babies 1, FG-NET those under a year 0.
    youngest_labelled_age: float = 1.0
    sure_accuracy: float = 0.90  # the uncertain band is the narrowest whose sure wild calls are this often right
    seed: int = 0
    progress: bool = True
    build_command: str = ""  # the one command that made the whole model (build.py), recorded in the card


# ---------------------------------------------------------------------------------------------- data


@dataclass
class Faces:
    """Pooled features of each face [N, views, C] (view 0 the face, 1 its mirror) and what is known of it."""

    features: np.ndarray
    age: np.ndarray  # true age; -1 unknown
    age_range: np.ndarray  # [N, 2] the age group's ages (FairFace), else [age, age]
    female: np.ndarray  # 1/0; -1 unknown (FG-NET)
    group: np.ndarray  # fold key: person (FG-NET), photo (FairFace), -1 UTKFace
    race: np.ndarray  # UTKFace's 0..4; -1 unknown
    race_name: np.ndarray | None = None  # FairFace's race, where the set has one

    def take(self, idx: np.ndarray) -> Faces:
        return Faces(
            self.features[idx],
            self.age[idx],
            self.age_range[idx],
            self.female[idx],
            self.group[idx],
            self.race[idx],
            None if self.race_name is None else self.race_name[idx],
        )


@torch.no_grad()
def pooled_features(model: AgeGenderNet, x: torch.Tensor) -> torch.Tensor:
    """The features the heads read: the last convolution's output averaged over the image."""
    h = F.relu6(model._bn0(model._conv_stem(x)))
    for block in model._blocks:
        h = block(h)
    return F.relu6(model._bn1(model._conv_head(h))).mean(dim=(2, 3))


def _features(model: AgeGenderNet, images: np.ndarray, size: int, desc: str, progress: bool, inputs=None) -> np.ndarray:
    out = []
    for start in tqdm(range(0, len(images), 64), desc=desc, disable=not progress, unit="batch"):
        x = inputs(images[start : start + 64], start) if inputs else to_model_input(images[start : start + 64], size)
        out.append(torch.stack([pooled_features(model, x), pooled_features(model, x.flip(-1))], 1).numpy())
    return np.concatenate(out).astype(np.float32)


def read_real_faces(cfg: RealPhotoConfig) -> dict[str, tuple[np.ndarray, list[dict]]]:
    """The FG-NET dev and FairFace dev faces `npm run cut:faces` cut (photos without one left out), with their labels."""
    out = {}
    for name, cut in (("fgnet", "fgnet-dev"), ("fairface", "fairface-dev")):
        real = load_real_faces(cfg.faces_dir, cfg.real_split, (cut,))
        if not len(real):
            raise FileNotFoundError(f"no faces in {cfg.faces_dir}/{cut}: run npm run cut:faces")
        rows = [
            {"file": str(f), "person": str(p), "age_range": (int(lo), int(hi))}
            for f, p, (lo, hi) in zip(real.file, real.person, real.age_range)
        ]
        out[name] = (
            (real.images, rows)
            if name == "fgnet"
            else (real.images, [r | {"female": int(g)} for r, g in zip(rows, real.female)])
        )
    return out


def _labels(names: list[str]) -> FaceSet:
    """The faces' labels from their split-file names, without their images."""
    labels = [parse_utkface_name(n) for n in names]
    return FaceSet(
        list(names),
        np.zeros((len(names), 1, 1, 3), np.uint8),
        np.array([lab.age for lab in labels]),
        np.array([lab.gender for lab in labels]),
        np.array([lab.race for lab in labels]),
    )


# Part of the features cache's key: change it when what _features computes changes.
FEATURES_VERSION = "pooled last convolution, face and mirror, degraded copies 0 (train) and 1-2 (val)"
MODERN_SETS = {"wild": "fairface", "everyday": "all-age-faces"}


def modern_faces(cfg: RealPhotoConfig) -> dict[str, RealFaces]:
    """FairFace ("wild") and All-Age-Faces ("everyday"): an even sample of each train part, and each val part."""
    out = {}
    for kind, name in MODERN_SETS.items():
        count = getattr(cfg, f"{kind}_train_faces")
        if not count:
            continue
        out[f"{kind}_train"] = load_real_faces(cfg.faces_dir, cfg.real_split, (name,), ("train",), sample=count)
        out[f"{kind}_val"] = load_real_faces(cfg.faces_dir, cfg.real_split, (name,), ("val",))
    return out


def load_features(cfg: RealPhotoConfig, model: AgeGenderNet, size: int) -> dict[str, Faces]:
    """Features of every face set, cached by the model's weights and the face lists (UTKFace is decoded only to make them)."""
    real = read_real_faces(cfg)
    split = json.loads(Path(cfg.split_file).read_text())
    train, val, test = (
        _labels(split["train"]).even_sample(cfg.train_faces),
        _labels(split["val"]),
        _labels(split["test"]),
    )
    modern = modern_faces(cfg)
    weights = b"".join(p.read_bytes() for p in sorted(Path(cfg.model).parent.glob("*.bin")))
    names = "|".join(
        train.names
        + [r["file"] for _, rows in real.values() for r in rows]
        + [f for m in modern.values() for f in m.file]
    )
    # Keyed by everything the features depend on: the model, the faces (names, and how cut:faces cut them), the
    # degraded copies' seed and alignment jitter, and how features are computed.
    cut = b"".join(p.read_bytes() for p in sorted(Path(cfg.faces_dir).glob("*/index.json")))
    names += "|".join(val.names + test.names + [cfg.utkface])
    how = json.dumps([FEATURES_VERSION, cfg.seed]).encode() + Path(cfg.alignment_jitter).read_bytes()
    key = hashlib.sha1(Path(cfg.model).read_bytes() + weights + names.encode() + cut + how).hexdigest()[:16]
    cache = Path(cfg.cache_dir) / f"real-photo-features-{key}.npz"
    if cache.exists():
        arrays = dict(np.load(cache))
    else:
        arrays = {}
        faces, _ = load_utkface(cfg.utkface, cfg.cache_dir, progress=cfg.progress)
        train_images, val_images, test_images = (faces.subset(part.names).images for part in (train, val, test))
        jitter = load_alignment_jitter(cfg.alignment_jitter)

        arrays |= {name: _features(model, m.images, size, name, cfg.progress) for name, m in modern.items()}
        arrays |= {
            "train": _features(model, train_images, size, "UTKFace train", cfg.progress),
            "train_degraded": _features(
                model,
                train_images,
                size,
                "UTKFace train, degraded",
                cfg.progress,
                degraded_inputs(size, cfg.seed, 0, jitter),
            ),
            "val": _features(model, val_images, size, "UTKFace val", cfg.progress),
            "val_degraded1": _features(
                model,
                val_images,
                size,
                "UTKFace val, degraded 1",
                cfg.progress,
                degraded_inputs(size, cfg.seed, 1, jitter),
            ),
            "val_degraded2": _features(
                model,
                val_images,
                size,
                "UTKFace val, degraded 2",
                cfg.progress,
                degraded_inputs(size, cfg.seed, 2, jitter),
            ),
            "test": _features(model, test_images, size, "UTKFace test", cfg.progress),
            "fgnet": _features(model, real["fgnet"][0], size, "FG-NET dev", cfg.progress),
            "fairface": _features(model, real["fairface"][0], size, "FairFace dev", cfg.progress),
        }
        save_npz_atomic(cache, **arrays)

    def utk(features: np.ndarray, part) -> Faces:
        return Faces(
            features,
            part.ages.astype(np.int64),
            np.stack([part.ages, part.ages], 1),
            part.genders.astype(np.int64),
            np.full(len(part), -1),
            part.races,
        )

    fg_rows, ff_rows = real["fgnet"][1], real["fairface"][1]
    fg_age = np.array([r["age_range"][0] for r in fg_rows])
    ff_range = np.array([r["age_range"] for r in ff_rows])

    def real(features: np.ndarray, m: RealFaces) -> Faces:
        exact = m.age_range[:, 0] == m.age_range[:, 1]
        race = m.race if m.race.size and (m.race != "").any() else None
        return Faces(features, np.where(exact, m.age_range[:, 0], -1), m.age_range, m.female, np.full(len(m), -1),
                     np.full(len(m), -1), race)  # fmt: skip

    return {name: real(arrays[name], m) for name, m in modern.items()} | {
        "train": utk(np.concatenate([arrays["train"], arrays["train_degraded"]]), _twice(train)),
        "train_clean": utk(arrays["train"], train),
        "val": utk(arrays["val"], val),
        "val_degraded": utk(np.concatenate([arrays["val_degraded1"], arrays["val_degraded2"]]), _twice(val)),
        "test": utk(arrays["test"], test),
        "fgnet": Faces(
            arrays["fgnet"],
            fg_age,
            np.stack([fg_age, fg_age], 1),
            np.full(len(fg_rows), -1),
            np.array([int(r["person"]) for r in fg_rows]),
            np.full(len(fg_rows), -1),
        ),
        "fairface": Faces(
            arrays["fairface"],
            np.full(len(ff_rows), -1),
            ff_range,
            np.array([r["female"] for r in ff_rows]),
            np.arange(len(ff_rows)),
            np.full(len(ff_rows), -1),
        ),
    }


def _twice(part: FaceSet) -> FaceSet:
    """The labels of a part and of its degraded copy after it."""
    return FaceSet(
        part.names * 2,
        part.images,
        np.concatenate([part.ages] * 2),
        np.concatenate([part.genders] * 2),
        np.concatenate([part.races] * 2),
    )


# --------------------------------------------------------------------------------------------- heads


@dataclass
class Heads:
    """Linear heads over the pooled features: age logits [A, C] for chips and for old scans, the female logit and
    the scan logit [1, C] (each with its bias)."""

    age_w: torch.Tensor
    age_b: torch.Tensor
    female_w: torch.Tensor
    female_b: torch.Tensor
    scan_w: torch.Tensor
    scan_b: torch.Tensor
    scan_age_w: torch.Tensor
    scan_age_b: torch.Tensor

    @staticmethod
    def of(model: AgeGenderNet) -> Heads:
        c = model.age_head.in_features
        age_w, age_b = model.age_head.weight.detach().double(), model.age_head.bias.detach().double()
        return Heads(
            age_w,
            age_b,
            model.gender_head.weight.detach().double(),
            model.gender_head.bias.detach().double(),
            torch.zeros(1, c, dtype=torch.float64),
            torch.zeros(1, dtype=torch.float64),
            age_w.clone(),
            age_b.clone(),
        )

    def tensors(self) -> list[torch.Tensor]:
        return [
            self.age_w,
            self.age_b,
            self.female_w,
            self.female_b,
            self.scan_w,
            self.scan_b,
            self.scan_age_w,
            self.scan_age_b,
        ]

    def outputs(self, features: np.ndarray) -> dict[str, np.ndarray]:
        """Per face, as the app computes them: age probabilities and logits averaged over the face and its mirror."""
        with torch.no_grad():
            f = torch.from_numpy(features).double()
            probs = torch.softmax(f @ self.age_w.T + self.age_b, -1).mean(1)
            scan_probs = torch.softmax(f @ self.scan_age_w.T + self.scan_age_b, -1).mean(1)
            female = (f @ self.female_w.T + self.female_b).mean(1)[:, 0]
            scan = (f @ self.scan_w.T + self.scan_b).mean(1)[:, 0]
        return {
            "probs": probs.numpy(),
            "scan_probs": scan_probs.numpy(),
            "female_logit": female.numpy(),
            "scan_logit": scan.numpy(),
        }


def _age_targets(age_range: np.ndarray, classes: int) -> torch.Tensor:
    """A Gaussian of std 1 + 0.07 * age around a known age (as training's), uniform over an age group's ages."""
    ages = torch.arange(classes, dtype=torch.float64)
    low, high = (torch.from_numpy(age_range[:, i]).double().clamp(max=classes - 1)[:, None] for i in (0, 1))
    gauss = torch.exp(-0.5 * ((ages - low) / (1 + 0.07 * low)) ** 2)
    uniform = ((ages >= low) & (ages <= high)).double()
    t = torch.where(high > low, uniform, gauss)
    return t / t.sum(1, keepdim=True)


def _scan_weights(scan: np.ndarray, age_low: np.ndarray) -> torch.Tensor:
    """Weights for the scan head's loss: both kinds the same total, and within each age band the other faces weighted
    to the scans' share of that band, so that the head learns what a scan looks like, not what age scans show."""
    band = np.array([age_band(int(max(a, 0))) for a in age_low])
    w = np.zeros(len(scan))
    for b in np.unique(band):
        pos, neg = (band == b) & (scan == 1), (band == b) & (scan == 0)
        w[pos] = 1.0
        if neg.any():
            w[neg] = max(pos.sum(), 1) / neg.sum()
    w[scan == 1] *= 0.5 / w[scan == 1].sum()
    w[scan == 0] *= 0.5 / w[scan == 0].sum()
    return torch.from_numpy(w * len(w))


def fit_heads(cfg: RealPhotoConfig, start: Heads, sets: list[tuple[Faces, float, int]]) -> Heads:
    """Heads fitted on (faces, weight of each, is an old scan) sets, pulled towards `start`. The chip age head stays
    as it is (chips are what it was trained on); the scan age head learns from the scans and, at
    cfg.scan_head_chip_weight, the other faces; the gender head from every face with a gender."""
    x = torch.from_numpy(np.concatenate([s.features.mean(1) for s, _, _ in sets])).double()
    age_range = np.concatenate([s.age_range for s, _, _ in sets])
    known = torch.from_numpy(np.concatenate([s.age_range[:, 0] >= 0 for s, _, _ in sets]))
    female = torch.from_numpy(np.concatenate([s.female for s, _, _ in sets])).double()
    weight = torch.from_numpy(np.concatenate([np.full(len(s.age), w) for s, w, _ in sets])).double()
    is_scan = np.concatenate([np.full(len(s.age), k) for s, _, k in sets])
    scan = torch.from_numpy(is_scan).double()
    scan_weight = _scan_weights(is_scan, age_range[:, 0])
    scan_age_weight = torch.where(scan > 0, weight, weight * cfg.scan_head_chip_weight)
    targets = _age_targets(np.maximum(age_range, 0), start.age_w.shape[0])
    ages = torch.arange(start.age_w.shape[0], dtype=torch.float64)
    low, high = (torch.from_numpy(age_range[:, i]).double() for i in (0, 1))
    heads = Heads(*[t.clone().requires_grad_(i >= 2) for i, t in enumerate(start.tensors())])
    anchors = [t.clone() for t in start.tensors()]
    anchors[6:] = [
        start.age_w.clone(),
        start.age_b.clone(),
    ]  # the scan age head is pulled towards the chip one it began as
    opt = torch.optim.Adam(heads.tensors()[2:], lr=cfg.lr)

    def age_loss(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        logp = torch.log_softmax(x @ w.T + b, -1)
        mean_age = logp.exp() @ ages
        off_range = torch.relu(low - mean_age) + torch.relu(mean_age - high)  # 0 inside an age group
        return -(targets * logp).sum(1) + 0.1 * off_range

    def mean(loss: torch.Tensor, w: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return (loss * w)[mask].sum() / w[mask].sum()

    for _ in range(cfg.steps):
        opt.zero_grad()
        gender_loss = F.binary_cross_entropy_with_logits(
            (x @ heads.female_w.T + heads.female_b)[:, 0], female.clamp(min=0), reduction="none"
        )
        scan_loss = F.binary_cross_entropy_with_logits(
            (x @ heads.scan_w.T + heads.scan_b)[:, 0], scan, weight=scan_weight
        )
        loss = (
            mean(age_loss(heads.scan_age_w, heads.scan_age_b), scan_age_weight, known)
            + mean(gender_loss, weight, female >= 0)
            + scan_loss
            + cfg.anchor
            * sum(
                ((t - a) ** 2).sum()
                for i, (t, a) in enumerate(zip(heads.tensors(), anchors))
                if i >= 2 and i not in (4, 5)
            )
        )
        loss.backward()
        opt.step()
    return Heads(*[t.detach() for t in heads.tensors()])


# ----------------------------------------------------------------------------------------- calibration


@dataclass
class KindCalibration:
    """The calibration the app applies (interval.ts): chip and scan interval bands, temperature, uncertain band."""

    chips: Calibration
    scan_bands: list
    gender_uncertain: tuple[float, float]
    scan_threshold: float = 0.5

    def to_dict(self) -> dict:
        return self.chips.to_dict() | {
            "scan_interval_bands": [dataclasses.asdict(b) for b in self.scan_bands],
            "scan_threshold": self.scan_threshold,
            "gender_uncertain": list(self.gender_uncertain),
        }


def predict(out: dict[str, np.ndarray], cal: KindCalibration) -> dict[str, np.ndarray]:
    """Calibrated estimates: a face its scan head reads as an old scan gets the scan age head and scales."""
    is_scan = sigmoid(out["scan_logit"]) >= cal.scan_threshold
    chip_low, chip_high = apply_interval(out["probs"], cal.chips)
    scan_low, scan_high = apply_interval(
        out["scan_probs"], dataclasses.replace(cal.chips, interval_bands=cal.scan_bands)
    )
    age = np.where(is_scan, expected_age(out["scan_probs"]), expected_age(out["probs"]))
    return {
        "age": age,
        "age_low": np.where(is_scan, scan_low, chip_low),
        "age_high": np.where(is_scan, scan_high, chip_high),
        "is_scan": is_scan,
        "female_probability": sigmoid(out["female_logit"] / cal.chips.temperature),
    }


def _concat(outs: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([o[k] for o in outs]) for k in outs[0]}


def uncertain_band(p: np.ndarray, female: np.ndarray, target: float) -> tuple[float, float]:
    """The narrowest band around 0.5 outside which the calls are right at least `target` of the time."""
    right = (p >= 0.5) == (female == 1)
    for d in np.arange(0.15, 0.5, 0.01):
        sure = np.abs(p - 0.5) >= d
        if sure.sum() and right[sure].mean() >= target:
            return float(round(0.5 - d, 2)), float(round(0.5 + d, 2))
    return 0.15, 0.85


def fit_scan_threshold(cfg: RealPhotoConfig, modern_kinds: list[np.ndarray]) -> float:
    """The lowest threshold, at least cfg.scan_threshold, that reads at most cfg.scan_flag_rate of each kind of modern
    face (scan logits of one kind each) as an old scan. Each kind on its own: pooled, the wild photos (whose scan
    scores run highest) were flagged twice as often as the rate while chips stayed under it."""
    threshold = cfg.scan_threshold
    for logits in modern_kinds:
        p = np.sort(sigmoid(logits))[::-1]
        allowed = int(cfg.scan_flag_rate * len(p))  # just above the first face past that many: ties stay unflagged
        if allowed < len(p):
            threshold = max(threshold, float(np.nextafter(p[allowed], 1)))
    return threshold


def calibrate(
    cfg: RealPhotoConfig,
    chip_out: dict,
    chip_ages: np.ndarray,
    chip_female: np.ndarray,
    scan_out: dict,
    scan_ages: np.ndarray,
    wild_out: dict,
    wild_female: np.ndarray,
    chip_kinds: np.ndarray | None = None,
) -> KindCalibration:
    """Chip bands on the chips routed as chips, scan bands on every face routed as a scan (mostly FG-NET's),
    temperature on chips and wild photos, the uncertain band on wild photos; the scan threshold flags at most
    cfg.scan_flag_rate of each kind of modern face: the wild photos, and the chips of each of chip_kinds (one kind
    if None)."""
    chips = Calibration(cfg.coverage, 1.0, cfg.min_spread, [], cfg.youngest_labelled_age)
    kinds = np.zeros(len(chip_ages), dtype=int) if chip_kinds is None else chip_kinds
    threshold = fit_scan_threshold(
        cfg, [chip_out["scan_logit"][kinds == k] for k in np.unique(kinds)] + [wild_out["scan_logit"]]
    )
    routed = _concat([chip_out, scan_out])
    ages = np.concatenate([chip_ages, scan_ages])
    is_scan = sigmoid(routed["scan_logit"]) >= threshold
    chips.interval_bands = fit_interval_bands(routed["probs"][~is_scan], ages[~is_scan], cfg.coverage, cfg.min_spread)
    scan_bands = fit_interval_bands(
        routed["scan_probs"][is_scan],
        ages[is_scan],
        cfg.coverage,
        cfg.min_spread,
        min_faces=cfg.scan_min_faces_per_band,
    )
    chips.temperature = fit_temperature(
        np.concatenate([chip_out["female_logit"], wild_out["female_logit"]]), np.concatenate([chip_female, wild_female])
    )
    band = uncertain_band(sigmoid(wild_out["female_logit"] / chips.temperature), wild_female, cfg.sure_accuracy)
    return KindCalibration(chips, scan_bands, band, threshold)


# ---------------------------------------------------------------------------------------------- folds


def person_folds(persons: np.ndarray, folds: int) -> dict[int, int]:
    """Each person's fold: the persons with most photos first, each into the fold with fewest photos so far."""
    counts = {int(p): int((persons == p).sum()) for p in np.unique(persons)}
    load, fold_of = [0] * folds, {}
    for p in sorted(counts, key=lambda p: (-counts[p], p)):
        fold_of[p] = int(np.argmin(load))
        load[fold_of[p]] += counts[p]
    return fold_of


def without_fold(feats: dict[str, Faces], k: int) -> dict[str, Faces]:
    """The faces without fold k of the committed fold file (FG-NET by person, FairFace by rank among the faces found)."""
    committed = json.loads(Path(FOLD_FILE).read_text())
    fg, ff = feats["fgnet"], feats["fairface"]
    keep_fg = np.array([committed["fgnet_person_fold"][str(int(p))] != k for p in fg.group])
    keep_ff = ff.group % committed["folds"] != k
    return feats | {"fgnet": fg.take(np.flatnonzero(keep_fg)), "fairface": ff.take(np.flatnonzero(keep_ff))}


def fold_of_faces(feats: dict[str, Faces], cfg: RealPhotoConfig) -> dict[str, np.ndarray]:
    fg = person_folds(feats["fgnet"].group, cfg.folds)
    return {
        "fgnet": np.array([fg[int(p)] for p in feats["fgnet"].group]),
        "fairface": feats["fairface"].group % cfg.folds,
    }


# -------------------------------------------------------------------------------------------- reports


def age_metrics(est: dict[str, np.ndarray], ages: np.ndarray, mask: np.ndarray | None = None) -> dict[str, float]:
    m = np.ones(len(ages), bool) if mask is None else mask
    err = est["age"][m] - ages[m]
    return {
        "n": int(m.sum()),
        "mae": float(np.abs(err).mean()),
        "bias": float(err.mean()),
        "coverage": float(np.mean((ages[m] >= est["age_low"][m]) & (ages[m] <= est["age_high"][m]))),
        "width": float(np.mean(est["age_high"][m] - est["age_low"][m])),
        "read_as_scan": float(est["is_scan"][m].mean()),
    }


def scan_report(est: dict[str, np.ndarray], ages: np.ndarray) -> dict:
    bands = {
        age_band_name: age_metrics(est, ages, np.array([age_band(int(a)) == age_band_name for a in ages]))
        for age_band_name in dict.fromkeys(age_band(int(a)) for a in sorted(ages))
    }
    return {"overall": age_metrics(est, ages), "by_age_band": bands}


def wild_report(
    est: dict[str, np.ndarray], age_range: np.ndarray, female: np.ndarray, band: tuple[float, float]
) -> dict:
    p = est["female_probability"]
    right = (p >= 0.5) == (female == 1)
    adult = age_range[:, 0] >= 20
    sure = (p <= band[0]) | (p >= band[1])
    groups = {"all": np.ones(len(p), bool)} | {
        f"{g} {a}": (female == (g == "female")) & (adult == (a == "adults"))
        for g in ("female", "male")
        for a in ("adults", "children")
    }
    age = np.round(est["age"])
    return {
        "gender": {k: {"n": int(m.sum()), "accuracy": float(right[m].mean())} for k, m in groups.items()},
        "sure_share": float(sure.mean()),
        "sure_accuracy": float(right[sure].mean()),
        "adult_women_read_as_men": float((p[(female == 1) & adult] < 0.5).mean()),
        "age_group_accuracy": float(
            np.mean((age >= age_range[:, 0]) & (age <= np.where(age_range[:, 1] >= 90, 200, age_range[:, 1])))
        ),
        "read_as_scan": float(est["is_scan"].mean()),
        "uncertain_band": list(band),
    }


def utk_report(est: dict[str, np.ndarray], faces: Faces) -> dict:
    ages = faces.age
    out = scan_report(est, ages)
    out["overall"]["gender_accuracy"] = float(np.mean((est["female_probability"] >= 0.5) == (faces.female == 1)))
    return out


def format_age(name: str, m: dict) -> str:
    return (
        f"  {name:8s} n={m['n']:5d}  MAE {m['mae']:.2f}  bias {m['bias']:+.2f}  coverage {m['coverage']:.3f}  "
        f"width {m['width']:.1f}  read as scan {m['read_as_scan']:.2f}"
    )


def print_report(title: str, r: dict) -> None:
    print(title)
    if "gender" in r:
        for k, m in r["gender"].items():
            print(f"  gender {k:16s} n={m['n']:4d}  accuracy {m['accuracy']:.3f}")
        print(
            f"  sure calls {r['sure_share']:.3f} (band {r['uncertain_band']}), right {r['sure_accuracy']:.3f}; "
            f"adult women read as men {r['adult_women_read_as_men']:.3f}; age group right {r['age_group_accuracy']:.3f}; "
            f"read as scan {r['read_as_scan']:.2f}"
        )
        return
    print(
        format_age("all", r["overall"])
        + (f"  gender {r['overall']['gender_accuracy']:.3f}" if "gender_accuracy" in r["overall"] else "")
    )
    for band, m in r["by_age_band"].items():
        print(format_age(band, m))


# ----------------------------------------------------------------------------------------------- run


def training_sets(
    cfg: RealPhotoConfig, feats: dict[str, Faces], fg: np.ndarray, ff: np.ndarray
) -> list[tuple[Faces, float, int]]:
    """What the heads are fitted on: UTKFace train, the FG-NET dev scans and FairFace dev photos selected by fg / ff,
    and the FairFace and All-Age-Faces train samples (if read), as (faces, weight of each, is an old scan)."""
    modern = [(feats[f"{kind}_train"], cfg.modern_weight, 0) for kind in MODERN_SETS if f"{kind}_train" in feats]
    return [
        (feats["train"], 1.0, 0),
        (feats["fgnet"].take(fg), cfg.real_weight, 1),
        (feats["fairface"].take(ff), cfg.real_weight, 0),
        *modern,
    ]


def fit_and_calibrate(
    cfg: RealPhotoConfig,
    start: Heads,
    feats: dict[str, Faces],
    fg: np.ndarray,
    ff: np.ndarray,
    calib_fg: tuple[dict, np.ndarray],
    calib_ff: tuple[dict, np.ndarray],
) -> tuple[Heads, KindCalibration]:
    """Heads fitted on UTKFace train and the real faces selected by fg / ff; calibrated with real-photo outputs
    that were out of fold for the heads that made them."""
    heads = fit_heads(cfg, start, training_sets(cfg, feats, fg, ff))
    chip_out, chip_ages, chip_female, chip_kinds = _val_outputs(heads, feats)
    return heads, calibrate(
        cfg, chip_out, chip_ages, chip_female, *calib_fg, *_wild(heads, feats, calib_ff), chip_kinds=chip_kinds
    )


def _val_outputs(
    heads: Heads, feats: dict[str, Faces]
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Outputs, true ages, genders and kinds (0 UTKFace val, 1 its degraded copies, 2 All-Age-Faces val) of the faces
    the chip intervals are calibrated on: All-Age-Faces' val part (if read) comes three times, so that everyday photos
    weigh as much."""
    parts, kinds = [feats["val"], feats["val_degraded"]], [0, 1]
    if "everyday_val" in feats:
        parts, kinds = parts + [feats["everyday_val"]] * 3, kinds + [2] * 3
    return (
        _concat([heads.outputs(p.features) for p in parts]),
        np.concatenate([p.age for p in parts]),
        np.concatenate([p.female for p in parts]),
        np.concatenate([np.full(len(p.age), kind) for p, kind in zip(parts, kinds)]),
    )


def _wild(heads: Heads, feats: dict[str, Faces], dev: tuple[dict, np.ndarray]) -> tuple[dict, np.ndarray]:
    """The wild photos the gender temperature, uncertain band and scan threshold are fitted on: FairFace's val part
    where read, else FairFace dev's out-of-fold outputs. Not both: every backbone since v9 trained on FairFace dev
    (real_mix), so its outputs there, out of fold only for the heads, are no test of the network (v13: gender 1.000
    on them, 0.910 on the val part)."""
    if "wild_val" not in feats:
        return dev
    val = feats["wild_val"]
    return heads.outputs(val.features), val.female


def run(cfg: RealPhotoConfig) -> dict:
    torch.manual_seed(cfg.seed)
    model, meta = load_tfjs_model(cfg.model)
    feats = load_features(cfg, model, meta["inputSize"])
    if cfg.holdout_fold >= 0:
        feats = without_fold(feats, cfg.holdout_fold)
    start = Heads.of(model)
    folds = fold_of_faces(feats, cfg)
    fg_all, ff_all = feats["fgnet"], feats["fairface"]

    # 1. out-of-fold outputs of every real face
    oof_fg: list = [None] * len(fg_all.age)
    oof_ff: list = [None] * len(ff_all.female)
    fold_heads = []
    for k in tqdm(range(cfg.folds), desc="folds", disable=not cfg.progress):
        heads = fit_heads(
            cfg,
            start,
            training_sets(cfg, feats, np.flatnonzero(folds["fgnet"] != k), np.flatnonzero(folds["fairface"] != k)),
        )
        fold_heads.append(heads)
        for oof, faces, fold in ((oof_fg, fg_all, folds["fgnet"]), (oof_ff, ff_all, folds["fairface"])):
            out = heads.outputs(faces.features[fold == k])
            for j, i in enumerate(np.flatnonzero(fold == k)):
                oof[i] = {key: v[j : j + 1] for key, v in out.items()}
    oof_fg_out, oof_ff_out = _concat(oof_fg), _concat(oof_ff)

    # 2. each fold judged with a calibration fitted without it
    est_fg, est_ff = [None] * len(fg_all.age), [None] * len(ff_all.female)
    bands = []
    for k in range(cfg.folds):
        cal = calibrate_without(cfg, feats, fold_heads[k], oof_fg_out, oof_ff_out, folds, k)
        bands.append(cal.gender_uncertain)
        for est, out, fold in ((est_fg, oof_fg_out, folds["fgnet"]), (est_ff, oof_ff_out, folds["fairface"])):
            e = predict({key: v[fold == k] for key, v in out.items()}, cal)
            for j, i in enumerate(np.flatnonzero(fold == k)):
                est[i] = {key: v[j : j + 1] for key, v in e.items()}
    est_fg_all, est_ff_all = _concat(est_fg), _concat(est_ff)
    band = tuple(float(np.mean([b[i] for b in bands])) for i in (0, 1))

    # 3. the model to ship: heads on every real face, scan calibration on the out-of-fold outputs
    heads, cal = fit_and_calibrate(
        cfg,
        start,
        feats,
        np.arange(len(fg_all.age)),
        np.arange(len(ff_all.female)),
        (oof_fg_out, fg_all.age),
        (oof_ff_out, ff_all.female),
    )
    return {
        "config": dataclasses.asdict(cfg),
        "heads": heads,
        "calibration": cal,
        "fold_file": fold_file(cfg, feats, folds),
        "before": before(cfg, start, meta, feats),
        "out_of_fold": {
            "old_scans": scan_report(est_fg_all, fg_all.age),
            "wild_photos": wild_report(est_ff_all, ff_all.age_range, ff_all.female, band),
        },
        "val_parts": modern_report(heads, cal, feats),
        "val": utk_report(predict(heads.outputs(feats["val"].features), cal), feats["val"]),
        "test": utk_report(predict(heads.outputs(feats["test"].features), cal), feats["test"]),
        "splits": {
            name: evaluation_report(
                predict(heads.outputs(feats[part].features), cal), feats[part].age, feats[part].female, feats[part].race
            )
            for name, part in (("train", "train_clean"), ("val", "val"), ("test", "test"))
        },
    }


def modern_report(heads: Heads, cal: KindCalibration, feats: dict[str, Faces]) -> dict:
    """FairFace's and All-Age-Faces' val parts (which calibrated, so a check, not a test): wild photos' gender per
    gender, age and race, everyday photos' age per band."""
    out = {}
    if "wild_val" in feats:
        wild = feats["wild_val"]
        est = predict(heads.outputs(wild.features), cal)
        out["wild"] = wild_report(est, wild.age_range, wild.female, cal.gender_uncertain)
        right = (est["female_probability"] >= 0.5) == (wild.female == 1)
        races = wild.race_name if wild.race_name is not None else np.array([])
        out["wild"]["gender_by_race"] = {
            r: {"n": int((races == r).sum()), "accuracy": float(right[races == r].mean())} for r in sorted(set(races))
        }
    if "everyday_val" in feats:
        everyday = feats["everyday_val"]
        out["everyday"] = utk_report(predict(heads.outputs(everyday.features), cal), everyday)
    return out


def before(cfg: RealPhotoConfig, start: Heads, meta: dict, feats: dict[str, Faces]) -> dict:
    """The model as it came, on the same faces: its own heads and calibration, no scan head."""
    cal = KindCalibration(Calibration.from_dict(meta["calibration"]), [], tuple(GENDER_UNCERTAIN))

    def est(faces: Faces) -> dict[str, np.ndarray]:
        return predict(start.outputs(faces.features) | {"scan_logit": np.full(len(faces.age), -np.inf)}, cal)

    fg, ff = feats["fgnet"], feats["fairface"]
    return {
        "old_scans": scan_report(est(fg), fg.age),
        "wild_photos": wild_report(est(ff), ff.age_range, ff.female, cal.gender_uncertain),
    }


def calibrate_without(
    cfg: RealPhotoConfig,
    feats: dict[str, Faces],
    heads: Heads,
    oof_fg: dict,
    oof_ff: dict,
    folds: dict[str, np.ndarray],
    k: int,
) -> KindCalibration:
    """The calibration fold k is judged with: chips from `heads` (fitted without fold k), real photos from the other folds."""
    keep_fg, keep_ff = folds["fgnet"] != k, folds["fairface"] != k
    chip_out, chip_ages, chip_female, chip_kinds = _val_outputs(heads, feats)
    return calibrate(
        cfg,
        chip_out,
        chip_ages,
        chip_female,
        {key: v[keep_fg] for key, v in oof_fg.items()},
        feats["fgnet"].age[keep_fg],
        *_wild(heads, feats, ({key: v[keep_ff] for key, v in oof_ff.items()}, feats["fairface"].female[keep_ff])),
        chip_kinds=chip_kinds,
    )


# --------------------------------------------------------------------------------------------- export

FOLD_FILE = "training/splits/real-photo-folds.json"


def fold_file(cfg: RealPhotoConfig, feats: dict[str, Faces], folds: dict[str, np.ndarray]) -> str:
    persons = {str(int(p)): int(f) for p, f in zip(feats["fgnet"].group, folds["fgnet"])}
    return (
        json.dumps(
            {
                "about": "FG-NET dev persons and FairFace dev photos (by row of labels.csv among the faces "
                "found) in the folds real_photos.py judges by; no person in two folds",
                "folds": cfg.folds,
                "fgnet_person_fold": dict(sorted(persons.items(), key=lambda kv: int(kv[0]))),
                "fairface_fold": "row index modulo folds",
            },
            indent=1,
        )
        + "\n"
    )


def export(cfg: RealPhotoConfig, result: dict, command: str) -> None:
    """The model with its heads replaced and the scan head added, as tfjs (the backbone's 8-bit kernels re-encoded
    without equalising, so they keep their exact values), and its card: the old card's history, the new metrics."""
    model, meta = load_tfjs_model(cfg.model)
    heads: Heads = result["heads"]
    model.scan_head = torch.nn.Linear(model.age_head.in_features, 1)
    model.scan_age_head = torch.nn.Linear(model.age_head.in_features, model.age_head.out_features)
    with torch.no_grad():
        for linear, w, b in (
            (model.age_head, heads.age_w, heads.age_b),
            (model.gender_head, heads.female_w, heads.female_b),
            (model.scan_head, heads.scan_w, heads.scan_b),
            (model.scan_age_head, heads.scan_age_w, heads.scan_age_b),
        ):
            linear.weight.copy_(w.float())
            linear.bias.copy_(b.float())
    out = Path(cfg.out)
    old_card = json.loads((Path(cfg.model).parent / "model-card.json").read_text())
    wild = (
        "FairFace val (not FairFace dev: the backbone trained on it)"
        if cfg.wild_train_faces
        else "FairFace dev (out of fold)"
    )
    train_cfg = TrainConfig(arch=model.arch_name, input_size=meta["inputSize"], max_age=meta["maxAge"])
    export_tfjs(model, train_cfg, result["calibration"].to_dict(), meta["flipAverage"], out, "uint8", equalize=False)
    card = (
        old_card
        | {
            "name": out.name,  # the folder written, as export.py names it (agegender for the shipped one)
            "description": old_card["description"]
            + " A third head says whether the face looks like an old scanned print; "
            "such faces get interval scales fitted on old scans.",
            "training": old_card["training"]
            | ({"build": cfg.build_command} if cfg.build_command else {})
            | {
                "real_photo_heads": {
                    "command": command,
                    "config": result["config"],
                    "folds": FOLD_FILE,
                    "about": "the backbone of the model trained by `command` above (its card's training section) kept; the age and "
                    "gender heads fitted again and a scan head fitted on its pooled features of an even sample of UTKFace "
                    "train faces (clean and one degraded copy each) with the largest face of every FG-NET dev scan and "
                    "FairFace dev photo (but fold holdout_fold) and of even samples of FairFace's and All-Age-Faces' "
                    "train parts (wild_train_faces, everyday_train_faces), as the photo pipeline cuts them (npm run "
                    "cut:faces)",
                }
            },
            "calibration": result["calibration"].to_dict()
            | {
                "method": old_card["calibration"]["method"]
                + (
                    "; a second set of band scales fitted on old scans (FG-NET dev, out-of-fold outputs of the heads; "
                    "the backbone trained on these scans, so they may run narrow) applies to faces the scan "
                    "head reads as one (probability >= scan_threshold, raised until at most scan_flag_rate of each "
                    f"kind of modern val face is read so: UTKFace val, its degraded copies, All-Age-Faces val, {wild}); "
                    "the photo scales are fitted on the val part, its copies and All-Age-Faces val; the "
                    f"temperature on those and {wild}; gender_uncertain is the narrowest "
                    "band around 0.5 outside which those wild calls were right "
                    f">= {cfg.sure_accuracy:.0%} of the time; an interval that holds age {cfg.youngest_labelled_age:g} "
                    "starts at 0 (youngest_labelled_age: UTKFace labels its babies 1, FG-NET those under a year 0)"
                )
            },
            # the heads learn from FG-NET and FairFace dev, and All-Age-Faces when everyday_train_faces > 0
            "license": license_section(
                [*card_sets(old_card), "fgnet", "fairface"] + (["all-age-faces"] if cfg.everyday_train_faces else [])
            ),
            "metrics": result["splits"],
            "real_photos": held_out_report(cfg, out)
            if cfg.holdout_fold >= 0
            else {"out_of_fold": result["out_of_fold"], "before": result.get("before")},
            "metrics_note": (
                f"Computed in PyTorch from the exported weights with the shipped calibration, on the val and test parts "
                f"and on an even sample of {result['splits']['train']['overall']['n']} faces of the train part. "
                + (
                    f"real_photos: fold {cfg.holdout_fold}, held out of every fit, through npm run bench:real-photos."
                    if cfg.holdout_fold >= 0
                    else "real_photos: FG-NET dev by person folds, FairFace dev by photo folds, each fold judged by "
                    "heads and calibration fitted without it; README.md gives the figures through npm run bench:real-photos."
                )
            ),
            "size": size_section(out, "uint8"),
        }
    )
    (out / "model-card.json").write_text(json.dumps(card, indent=1) + "\n")
    print(f"wrote {out}/model.json, weights.bin and model-card.json")


def held_out_report(cfg: RealPhotoConfig, out: Path) -> dict:
    """The test parts through the app's pipeline (bench:real-photos --part test): the model written, and cfg.before.
    They are fold 0 of FOLD_FILE, which --holdout-fold 0 keeps out of every fit."""
    return {
        "note": f"The test parts of {cfg.real_split} (fold 0 of {FOLD_FILE}: FG-NET by person, FairFace by photo), which "
        f"neither the backbone's training nor these heads saw, through npm run bench:real-photos -- --part test; "
        f"'before' is {cfg.before}.",
        "out_of_fold": real_photo_bench(str((out / "model.json").resolve()), cfg.real_split),
        "before": real_photo_bench(str(Path(local_model(cfg.before, cfg.cache_dir)).resolve()), cfg.real_split),
        **face_api_real_photos(cfg.real_split),
    }


def main(argv: list[str] | None = None) -> int:
    cfg = RealPhotoConfig(**vars(config_parser(RealPhotoConfig, __doc__.split("\n")[0]).parse_args(argv)))
    torch.set_num_threads(2)
    result = run(cfg)
    if cfg.export:
        if cfg.holdout_fold < 0:  # with a fold held out, the folds here are of the rest
            Path(FOLD_FILE).write_text(result["fold_file"])
        export(
            cfg,
            result,
            "PYTHONPATH=training training/.venv/bin/python -m agegender_train.real_photos "
            + shlex.join(argv or sys.argv[1:]),
        )
    print_report("Before: old scans (FG-NET dev):", result["before"]["old_scans"])
    print_report("Before: wild photos (FairFace dev):", result["before"]["wild_photos"])
    # out of fold for the heads; a backbone trained on these sets' train parts has seen them
    print_report("Old scans (FG-NET dev), heads out of fold by person:", result["out_of_fold"]["old_scans"])
    print_report("Wild photos (FairFace dev), heads out of fold:", result["out_of_fold"]["wild_photos"])
    if "wild" in result["val_parts"]:
        wild = result["val_parts"]["wild"]
        print_report("Wild photos (FairFace val, calibrated on):", wild)
        print("  " + ", ".join(f"{r} {m['accuracy']:.3f} (n={m['n']})" for r, m in wild["gender_by_race"].items()))
    if "everyday" in result["val_parts"]:
        print_report("Everyday photos (All-Age-Faces val, calibrated on):", result["val_parts"]["everyday"])
    print_report("UTKFace val:", result["val"])
    if cfg.export:  # the test part is looked at once, for the model chosen on val and the folds
        print_report("UTKFace test:", result["test"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
