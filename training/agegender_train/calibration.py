"""Turn raw network outputs into calibrated predictions.

Age: the expected value of the predicted distribution, and a conformalised quantile interval
(Romano et al. 2019): the distribution's alpha/2 and 1-alpha/2 quantiles, widened (or narrowed) by
a margin chosen on the validation part so that the interval covers the true age 90% of the time.
Gender: temperature scaling of the female logit, fitted on the validation part.
src/lib/interval.ts applies the same two rules in the browser.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np


@dataclass
class Calibration:
    coverage: float  # nominal coverage of [age_low, age_high]
    interval_margin: float  # years added on both sides of the raw quantile interval
    temperature: float  # female probability = sigmoid(logit / temperature)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def expected_age(probs: np.ndarray) -> np.ndarray:
    return probs @ np.arange(probs.shape[1], dtype=np.float64)


def age_quantile(probs: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile of each row, reading age a as spread evenly over [a - 0.5, a + 0.5].

    A continuous quantile, not a whole age: with whole ages the conformal scores tie and the
    calibrated interval over-covers.
    """
    cdf = np.cumsum(probs, axis=1)
    age = np.minimum((cdf < q).sum(axis=1), probs.shape[1] - 1)
    rows = np.arange(len(probs))
    below = cdf[rows, age] - probs[rows, age]
    fraction = np.clip((q - below) / np.maximum(probs[rows, age], 1e-12), 0.0, 1.0)
    return age - 0.5 + fraction


def raw_interval(probs: np.ndarray, coverage: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1 - coverage
    return age_quantile(probs, alpha / 2), age_quantile(probs, 1 - alpha / 2)


def fit_interval_margin(probs: np.ndarray, ages: np.ndarray, coverage: float) -> float:
    low, high = raw_interval(probs, coverage)
    scores = np.maximum(low - ages, ages - high)
    n = len(scores)
    level = min(1.0, math.ceil((n + 1) * coverage) / n)
    return float(np.quantile(scores, level, method="higher"))


def apply_interval(probs: np.ndarray, calibration: Calibration) -> tuple[np.ndarray, np.ndarray]:
    low, high = raw_interval(probs, calibration.coverage)
    low, high = low - calibration.interval_margin, high + calibration.interval_margin
    mid = (low + high) / 2
    return np.maximum(0.0, np.minimum(low, mid)), np.maximum(high, mid)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood, by a fine grid (one parameter)."""
    best_t, best_nll = 1.0, math.inf
    for t in np.exp(np.linspace(math.log(0.25), math.log(4.0), 401)):
        p = np.clip(sigmoid(logits / t), 1e-7, 1 - 1e-7)
        nll = -np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p))
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


def fit_calibration(probs: np.ndarray, female_logits: np.ndarray, ages: np.ndarray, genders: np.ndarray,
                    coverage: float) -> Calibration:
    return Calibration(coverage, fit_interval_margin(probs, ages, coverage), fit_temperature(female_logits, genders))


def predictions(probs: np.ndarray, female_logits: np.ndarray, calibration: Calibration) -> dict[str, np.ndarray]:
    low, high = apply_interval(probs, calibration)
    return {"age": expected_age(probs), "age_low": low, "age_high": high,
            "female_probability": sigmoid(female_logits / calibration.temperature)}
