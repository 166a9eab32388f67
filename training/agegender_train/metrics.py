"""Age and gender metrics, overall and per age band, gender and race (src/lib/metrics.ts mirrors them)."""

from __future__ import annotations

import numpy as np

from .config import GENDERS, RACES, age_band

ECE_BINS = 10


def expected_calibration_error(prob: np.ndarray, label: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE of the predicted probability of the predicted class (equal-width confidence bins)."""
    confidence = np.where(prob >= 0.5, prob, 1 - prob)
    correct = (prob >= 0.5) == (label == 1)
    # Bins of width 0.5 / bins from 0.5, by this exact float arithmetic (metrics.ts's too), so that both
    # languages put a confidence on a bin edge in the same bin.
    which = np.clip(np.floor((confidence - 0.5) * (2 * bins)).astype(int), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)


def group_metrics(
    age: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    female_prob: np.ndarray,
    true_age: np.ndarray,
    true_gender: np.ndarray,
) -> dict[str, float]:
    err = np.abs(age - true_age)
    return {
        "n": int(len(err)),
        "age_mae": float(err.mean()),
        "age_bias": float((age - true_age).mean()),
        "age_rmse": float(np.sqrt((err**2).mean())),
        "age_cs5": float((err <= 5).mean()),
        "interval_coverage": float(((true_age >= low) & (true_age <= high)).mean()),
        "interval_width": float((high - low).mean()),
        "gender_accuracy": float(((female_prob >= 0.5) == (true_gender == 1)).mean()),
        "gender_ece": expected_calibration_error(female_prob, true_gender),
    }


def reliability_bins(female_prob: np.ndarray, true_gender: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    """Predicted female probability against the observed share of women, in equal-width bins over 0..1."""
    which = np.clip((female_prob * bins).astype(int), 0, bins - 1)
    return [
        {
            "low": b / bins,
            "high": (b + 1) / bins,
            "n": int((which == b).sum()),
            "mean_predicted": float(female_prob[which == b].mean()),
            "observed_female": float((true_gender[which == b] == 1).mean()),
        }
        for b in range(bins)
        if (which == b).any()
    ]


def label_distribution(ages: np.ndarray, genders: np.ndarray, races: np.ndarray) -> dict:
    """How many faces of each age (in years), gender and race: the dataset page's plots, without any image."""
    years, counts = np.unique(ages, return_counts=True)
    return {
        "n": int(len(ages)),
        "age": {int(a): int(c) for a, c in zip(years, counts)},
        "gender": {g: int((genders == i).sum()) for i, g in enumerate(GENDERS)},
        "race": {r: int((races == i).sum()) for i, r in enumerate(RACES)},
    }


def bootstrap_mae_ci(err: np.ndarray, resamples: int = 1000, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = np.abs(err)[rng.integers(0, len(err), (resamples, len(err)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def evaluation_report(pred: dict[str, np.ndarray], ages: np.ndarray, genders: np.ndarray, races: np.ndarray) -> dict:
    """Overall metrics, the same per group, and the largest gap in MAE / accuracy between groups."""

    def metrics_plain(mask: np.ndarray) -> dict:
        return group_metrics(
            pred["age"][mask],
            pred["age_low"][mask],
            pred["age_high"][mask],
            pred["female_probability"][mask],
            ages[mask],
            genders[mask],
        )

    def metrics(mask: np.ndarray) -> dict:
        m = metrics_plain(mask)
        m["age_mae_ci95"] = list(bootstrap_mae_ci(pred["age"][mask] - ages[mask]))
        return m

    overall = metrics(np.ones(len(ages), dtype=bool))
    bands = np.array([age_band(int(a)) for a in ages])
    groups = {
        "age_band": {
            b: metrics(bands == b) for b in dict.fromkeys(age_band(a) for a in range(0, 201)) if (bands == b).any()
        },
        "gender": {g: metrics(genders == i) for i, g in enumerate(GENDERS) if (genders == i).any()},
        "race": {r: metrics(races == i) for i, r in enumerate(RACES) if (races == i).any()},
    }
    # For the model page's plots: finer age steps, age band x gender, and the reliability diagram.
    five = np.minimum(ages // 5 * 5, 90)
    plots = {
        "by_age5": {
            f"{a}+" if a == 90 else f"{a}-{a + 4}": {
                k: metrics_plain(five == a)[k] for k in ("n", "age_mae", "gender_accuracy")
            }
            for a in range(0, 95, 5)
            if (five == a).any()
        },
        "by_age_band_gender": {
            f"{b}|{g}": metrics_plain((bands == b) & (genders == i))
            for b in groups["age_band"]
            for i, g in enumerate(GENDERS)
            if ((bands == b) & (genders == i)).any()
        },
        "gender_reliability": reliability_bins(pred["female_probability"], genders),
    }
    gaps = {}
    for kind, table in groups.items():
        if len(table) > 1:
            gaps[kind] = {
                key: float(max(m[key] for m in table.values()) - min(m[key] for m in table.values()))
                for key in ("age_mae", "gender_accuracy")
            }
    return {"overall": overall, **{f"by_{k}": v for k, v in groups.items()}, "largest_gap": gaps, **plots}
