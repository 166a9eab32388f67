"""Age and gender metrics, overall and per age band, gender and race (src/lib/metrics.ts mirrors them)."""
from __future__ import annotations

import numpy as np

from .config import GENDERS, RACES, age_band

ECE_BINS = 10


def expected_calibration_error(prob: np.ndarray, label: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE of the predicted probability of the predicted class (equal-width confidence bins)."""
    confidence = np.where(prob >= 0.5, prob, 1 - prob)
    correct = (prob >= 0.5) == (label == 1)
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)


def group_metrics(age: np.ndarray, low: np.ndarray, high: np.ndarray, female_prob: np.ndarray,
                  true_age: np.ndarray, true_gender: np.ndarray) -> dict[str, float]:
    err = np.abs(age - true_age)
    return {
        "n": int(len(err)),
        "age_mae": float(err.mean()),
        "age_rmse": float(np.sqrt((err ** 2).mean())),
        "age_cs5": float((err <= 5).mean()),
        "interval_coverage": float(((true_age >= low) & (true_age <= high)).mean()),
        "interval_width": float((high - low).mean()),
        "gender_accuracy": float(((female_prob >= 0.5) == (true_gender == 1)).mean()),
        "gender_ece": expected_calibration_error(female_prob, true_gender),
    }


def bootstrap_mae_ci(err: np.ndarray, resamples: int = 1000, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = np.abs(err)[rng.integers(0, len(err), (resamples, len(err)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def evaluation_report(pred: dict[str, np.ndarray], ages: np.ndarray, genders: np.ndarray, races: np.ndarray) -> dict:
    """Overall metrics, the same per group, and the largest gap in MAE / accuracy between groups."""
    def metrics(mask: np.ndarray) -> dict:
        m: dict = group_metrics(pred["age"][mask], pred["age_low"][mask], pred["age_high"][mask],
                                pred["female_probability"][mask], ages[mask], genders[mask])
        m["age_mae_ci95"] = list(bootstrap_mae_ci(pred["age"][mask] - ages[mask]))
        return m

    overall = metrics(np.ones(len(ages), dtype=bool))
    bands = np.array([age_band(int(a)) for a in ages])
    groups = {
        "age_band": {b: metrics(bands == b) for b in dict.fromkeys(age_band(a) for a in range(0, 201)) if (bands == b).any()},
        "gender": {g: metrics(genders == i) for i, g in enumerate(GENDERS) if (genders == i).any()},
        "race": {r: metrics(races == i) for i, r in enumerate(RACES) if (races == i).any()},
    }
    gaps = {}
    for kind, table in groups.items():
        if len(table) > 1:
            gaps[kind] = {key: float(max(m[key] for m in table.values()) - min(m[key] for m in table.values()))
                          for key in ("age_mae", "gender_accuracy")}
    return {"overall": overall, **{f"by_{k}": v for k, v in groups.items()}, "largest_gap": gaps}
