"""Two calibration probes on v11's heads (EXPERIMENTS.md, "The old-scan flag held to 2% of each kind"), each fitted
on one half of a val part and judged on the other:

1. gender: one temperature against one per band of estimated age (AGE_EDGES), fitted on UTKFace val beside one half
   of FairFace val, with the uncertain band fitted there for 95%; prints, for each half and each way, the
   temperatures, the band and the other half's sure share and sure calls right.
2. intervals: the band scales fitted on UTKFace val (and its degraded copies) pooled with one half of All-Age-Faces
   val three times (as the heads stage weighs it), against the larger of the two kinds' own scales per band (so
   that each kind reaches 90% in each band: coverage only grows with a scale); prints the coverage of UTKFace test
   and of All-Age-Faces' other half, overall and per band of 20 faces or more. These intervals have neither the
   scan scales nor youngest_labelled_age, so they are not the card's figures.

It first prints the heads stage's arguments it reads (v11's recipe). It fits the heads again (2 minutes) on the
features the heads stage cached.

    PYTHONPATH=training training/.venv/bin/python training/experiments/calibration_probes.py   # 3 min, features cached
"""

import dataclasses
import shlex

import numpy as np
import torch

from agegender_train import build
from agegender_train import real_photos as rp
from agegender_train.calibration import IntervalBand, expected_age, fit_interval_bands, fit_temperature, sigmoid
from agegender_train.config import AGE_BANDS, config_parser

AGE_EDGES = [0, 4, 9, 13, 19, 200]  # bands of estimated age for the gender temperature


def sure_calls(p: np.ndarray, female: np.ndarray, band: tuple[float, float]) -> str:
    sure, right = (p <= band[0]) | (p >= band[1]), (p >= 0.5) == (female == 1)
    return f"sure share {sure.mean():.3f}, sure calls right {right[sure].mean():.3f}"


def coverage(heads: rp.Heads, cal: rp.KindCalibration, faces: rp.Faces) -> str:
    est = rp.predict(heads.outputs(faces.features), cal)
    inside = (est["age_low"] <= faces.age) & (faces.age <= est["age_high"])
    bands = [(lo, inside[(faces.age >= lo) & (faces.age <= hi)]) for lo, hi in AGE_BANDS]
    return f"{inside.mean():.3f} (" + " ".join(f"{lo}+: {b.mean():.2f}" for lo, b in bands if len(b) >= 20) + ")"


def main() -> None:
    argv = [a for a in dict(build.stages("training/recipes/v11.json", True, False))["heads"] if a != "--export"]
    print("heads stage:", shlex.join(argv))
    cfg = rp.RealPhotoConfig(**vars(config_parser(rp.RealPhotoConfig, "").parse_args(argv)))
    torch.set_num_threads(2)
    model, meta = rp.load_tfjs_model(cfg.model)
    feats = rp.without_fold(rp.load_features(cfg, model, meta["inputSize"]), cfg.holdout_fold)
    every = [np.arange(len(feats[s].age)) for s in ("fgnet", "fairface")]
    heads = rp.fit_heads(cfg, rp.Heads.of(model), rp.training_sets(cfg, feats, *every))
    out = {name: heads.outputs(feats[name].features) for name in ("val", "wild_val")}

    # 1. gender: UTKFace val beside half of FairFace val, judged on the other half
    chips, wild = feats["val"], feats["wild_val"]
    half = np.arange(len(wild.female)) % 2 == 0
    for fit, judge in ((half, ~half), (~half, half)):
        logits = np.concatenate([out["val"]["female_logit"], out["wild_val"]["female_logit"][fit]])
        female = np.concatenate([chips.female, wild.female[fit]])
        ages = np.concatenate([expected_age(out["val"]["probs"]), expected_age(out["wild_val"]["probs"])])
        band_of = np.searchsorted(AGE_EDGES, ages, side="right") - 1
        band_fit = np.concatenate([band_of[: len(chips.female)], band_of[len(chips.female) :][fit]])
        one = np.full(len(AGE_EDGES) - 1, fit_temperature(logits, female))
        per_band = np.array([fit_temperature(logits[band_fit == b], female[band_fit == b]) for b in range(len(one))])
        wild_band = band_of[len(chips.female) :]
        for name, temps in (("one temperature", one), ("per band", per_band)):
            p = sigmoid(out["wild_val"]["female_logit"] / temps[wild_band])
            band = rp.uncertain_band(p[fit], wild.female[fit], 0.95)
            print(
                f"gender, {name} {np.round(temps, 2)}: band {band}, the other half:",
                sure_calls(p[judge], wild.female[judge], band),
            )

    # 2. intervals: UTKFace val (and its degraded copies) beside half of All-Age-Faces val, judged on the other half
    everyday = feats["everyday_val"]
    half = np.arange(len(everyday.age)) % 2 == 0
    kinds = {"utk": [feats["val"], feats["val_degraded"]], "everyday": [everyday.take(np.flatnonzero(half))]}

    def fitted(parts: list[rp.Faces]) -> list[IntervalBand]:
        o = heads.outputs(np.concatenate([f.features for f in parts]))
        return fit_interval_bands(o["probs"], np.concatenate([f.age for f in parts]), cfg.coverage, cfg.min_spread)

    utk, aaf = fitted(kinds["utk"]), fitted(kinds["everyday"])
    each = [IntervalBand(u.from_age, max(u.scale, a.scale) if a.n else u.scale, u.n + a.n) for u, a in zip(utk, aaf)]
    base = rp.KindCalibration(rp.Calibration(cfg.coverage, 1.0, cfg.min_spread, []), [], (0.5, 0.5), np.inf)
    for name, bands in (
        ("pooled, All-Age-Faces x3", fitted(kinds["utk"] + kinds["everyday"] * 3)),
        ("each kind", each),
    ):
        cal = dataclasses.replace(base, chips=dataclasses.replace(base.chips, interval_bands=bands))
        print(f"intervals, {name}: UTKFace test", coverage(heads, cal, feats["test"]),
              "| All-Age-Faces' other half", coverage(heads, cal, everyday.take(np.flatnonzero(~half))))  # fmt: skip


if __name__ == "__main__":
    main()
