"""Turn raw network outputs into calibrated predictions.

Age: the expected value of the predicted distribution, and a conformalised quantile interval
(Romano et al. 2019) that is normalised and Mondrian: the distribution's alpha/2 and 1-alpha/2
quantiles [lo, hi] are widened on both sides by scale_b * max(hi - lo, min_spread), where b is the
band of the predicted age and scale_b is chosen so that 90% of the calibration faces in that band
are covered. Normalising by the predicted spread lets the interval grow where the network is unsure
(a faded scan, a blurred face) and stay narrow where it is sure; one scale per band keeps children,
adults and the old each at 90% instead of averaging over them.
Gender: temperature scaling of the female logit.
Both are fitted on the validation part together with degraded copies of it (evaluate.py).
src/lib/interval.ts applies the same rules in the browser.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from .config import AGE_BANDS

MIN_FACES_PER_BAND = 50  # a band with fewer calibration faces uses the scale fitted on all of them


@dataclass
class IntervalBand:
    from_age: float  # the band holds predicted ages >= from_age (up to the next band's from_age)
    scale: float  # margin on each side, in units of the raw interval's width
    n: int  # calibration faces in the band (0: the pooled scale was used)


@dataclass
class Calibration:
    coverage: float  # nominal coverage of [age_low, age_high]
    temperature: float  # female probability = sigmoid(logit / temperature)
    min_spread: float  # years; raw intervals narrower than this count as this wide
    interval_bands: list[IntervalBand] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> Calibration:
        return Calibration(d["coverage"], d["temperature"], d["min_spread"], [IntervalBand(**b) for b in d["interval_bands"]])

    @staticmethod
    def from_any(d: dict) -> Calibration:
        """Also reads the calibration of models before v4 (one margin in years for every face), to measure them
        the same way: a min_spread so large that every raw interval counts as that wide turns the scale into years."""
        if "interval_margin" in d:
            huge = 1e6
            return Calibration(d["coverage"], d["temperature"], huge, [IntervalBand(0.0, d["interval_margin"] / huge, 0)])
        return Calibration.from_dict(d)


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


def _conformal_quantile(scores: np.ndarray, coverage: float) -> float:
    n = len(scores)
    level = min(1.0, math.ceil((n + 1) * coverage) / n)
    return float(np.quantile(scores, level, method="higher"))


def _band_index(age: np.ndarray, bands: list[IntervalBand]) -> np.ndarray:
    return np.searchsorted(np.array([b.from_age for b in bands]), age, side="right") - 1


def fit_interval_bands(probs: np.ndarray, ages: np.ndarray, coverage: float, min_spread: float) -> list[IntervalBand]:
    low, high = raw_interval(probs, coverage)
    spread = np.maximum(high - low, min_spread)
    scores = np.maximum(low - ages, ages - high) / spread
    pooled = _conformal_quantile(scores, coverage)
    bands = [IntervalBand(float(lo), pooled, 0) for lo, _ in AGE_BANDS]
    which = _band_index(expected_age(probs), bands)
    for i, band in enumerate(bands):
        mine = scores[which == i]
        if len(mine) >= MIN_FACES_PER_BAND:
            band.scale, band.n = _conformal_quantile(mine, coverage), len(mine)
    return bands


def apply_interval(probs: np.ndarray, calibration: Calibration) -> tuple[np.ndarray, np.ndarray]:
    low, high = raw_interval(probs, calibration.coverage)
    scale = np.array([b.scale for b in calibration.interval_bands])[_band_index(expected_age(probs), calibration.interval_bands)]
    margin = scale * np.maximum(high - low, calibration.min_spread)
    low, high = low - margin, high + margin
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
                    coverage: float, min_spread: float = 1.0) -> Calibration:
    return Calibration(coverage, fit_temperature(female_logits, genders), min_spread,
                       fit_interval_bands(probs, ages, coverage, min_spread))


def predictions(probs: np.ndarray, female_logits: np.ndarray, calibration: Calibration) -> dict[str, np.ndarray]:
    low, high = apply_interval(probs, calibration)
    return {"age": expected_age(probs), "age_low": low, "age_high": high,
            "female_probability": sigmoid(female_logits / calibration.temperature)}
