"""Turn raw network outputs into calibrated predictions.

Age: the expected value of the predicted distribution, and a conformalised quantile interval
(Romano et al. 2019) that is normalised and label-conditional (Mondrian by true age): the
distribution's alpha/2 and 1-alpha/2 quantiles [lo, hi], widened on both sides by
scale_b * max(hi - lo, min_spread) (narrowed where scale_b < 0), decide whether an age in band b is plausible; the interval
spans every plausible age, and one that holds youngest_labelled_age starts at 0. Normalising by the predicted spread
lets the interval grow where the network is unsure (a faded scan, a blurred face) and stay narrow where it is sure. A scale per band
of *true* age is what holds 90% for children, adults and the old alike: bands of predicted age
(v4's first calibration) left teenagers at 84% and young adults at 97%, since the network reads
teenagers as young adults. The scales are fitted together (the interval spans neighbouring bands),
each as small as keeps its band's calibration faces at the conformal level.
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
    from_age: float  # the band holds true ages >= from_age (up to the next band's from_age)
    scale: (
        float  # margin on each side of the raw interval, in units of its width, for ages in this band (< 0 narrows it)
    )
    n: int  # calibration faces in the band (0: too few; the pooled scale was used)


@dataclass
class Calibration:
    coverage: float  # nominal coverage of [age_low, age_high]
    temperature: float  # female probability = sigmoid(logit / temperature)
    min_spread: float  # years; raw intervals narrower than this count as this wide
    interval_bands: list[IntervalBand] = field(default_factory=list)
    # An interval that holds this age starts at 0 (0: no such rule). Models whose heads saw FG-NET set 1: UTKFace,
    # where the exact ages come from, labels its babies 1 (none of its faces is 0), so its 1 holds babies under a
    # year, whom FG-NET labels 0.
    youngest_labelled_age: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> Calibration:
        return Calibration(
            d["coverage"],
            d["temperature"],
            d["min_spread"],
            [IntervalBand(**b) for b in d["interval_bands"]],
            d.get("youngest_labelled_age") or 0.0,
        )

    @staticmethod
    def from_any(d: dict) -> Calibration:
        """Also reads the calibration of models before v4 (one margin in years for every face), to measure them
        the same way: a min_spread so large that every raw interval counts as that wide turns the scale into years."""
        if "interval_margin" in d:
            huge = 1e6
            return Calibration(
                d["coverage"], d["temperature"], huge, [IntervalBand(0.0, d["interval_margin"] / huge, 0)]
            )
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


def _edges(bands: list[IntervalBand]) -> list[tuple[float, float]]:
    """Each band's ages as a continuous range: whole age a stands for [a - 0.5, a + 0.5)."""
    starts = [b.from_age - 0.5 for b in bands]
    return list(zip(starts, starts[1:] + [math.inf]))


def _interval(
    low: np.ndarray, high: np.ndarray, spread: np.ndarray, bands: list[IntervalBand]
) -> tuple[np.ndarray, np.ndarray]:
    """The span of the ages plausible under their own band's scale; the raw interval if none is."""
    first, last = np.full(len(low), math.inf), np.full(len(low), -math.inf)
    for band, (start, end) in zip(bands, _edges(bands)):
        lo, hi = np.maximum(low - band.scale * spread, start), np.minimum(high + band.scale * spread, end)
        some = lo <= hi
        first, last = np.where(some, np.minimum(first, lo), first), np.where(some, np.maximum(last, hi), last)
    none = ~np.isfinite(first)
    return np.where(none, low, first), np.where(none, high, last)


def fit_interval_bands(
    probs: np.ndarray,
    ages: np.ndarray,
    coverage: float,
    min_spread: float,
    rounds: int = 4,
    min_faces: int = MIN_FACES_PER_BAND,
) -> list[IntervalBand]:
    low, high = raw_interval(probs, coverage)
    spread = np.maximum(high - low, min_spread)
    scores = np.maximum(low - ages, ages - high) / spread
    pooled = _conformal_quantile(scores, coverage)
    bands = [IntervalBand(float(lo), pooled, 0) for lo, _ in AGE_BANDS]
    which = np.searchsorted(np.array([b.from_age for b in bands]), ages, side="right") - 1
    fitted = [i for i in range(len(bands)) if (which == i).sum() >= min_faces]
    level = {i: min(1.0, math.ceil(((which == i).sum() + 1) * coverage) / (which == i).sum()) for i in fitted}
    for i in fitted:
        bands[i].scale, bands[i].n = _conformal_quantile(scores[which == i], coverage), int((which == i).sum())

    def covered(i: int) -> float:
        lo, hi = _interval(low[which == i], high[which == i], spread[which == i], bands)
        return float(np.mean((lo <= ages[which == i]) & (ages[which == i] <= hi)))

    def smallest_scale(i: int) -> float:
        """Bisection: coverage of band i only grows with its own scale."""
        lo, hi = -1.0, float(scores[which == i].max()) + 1e-6
        for _ in range(40):
            bands[i].scale = (lo + hi) / 2
            lo, hi = (lo, bands[i].scale) if covered(i) >= level[i] else (bands[i].scale, hi)
        return hi

    # A band's interval reaches into its neighbours, so each scale is refitted given the others; the last
    # pass only raises scales, which leaves every band at or above its level.
    for _ in range(rounds):
        for i in fitted:
            bands[i].scale = smallest_scale(i)
    for i in fitted:
        if covered(i) < level[i]:
            bands[i].scale = smallest_scale(i)
    return bands


def apply_interval(probs: np.ndarray, calibration: Calibration) -> tuple[np.ndarray, np.ndarray]:
    low, high = raw_interval(probs, calibration.coverage)
    low, high = _interval(low, high, np.maximum(high - low, calibration.min_spread), calibration.interval_bands)
    return np.where(low <= calibration.youngest_labelled_age, 0.0, np.maximum(0.0, low)), high


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


def fit_calibration(
    probs: np.ndarray,
    female_logits: np.ndarray,
    ages: np.ndarray,
    genders: np.ndarray,
    coverage: float,
    min_spread: float = 1.0,
) -> Calibration:
    return Calibration(
        coverage,
        fit_temperature(female_logits, genders),
        min_spread,
        fit_interval_bands(probs, ages, coverage, min_spread),
    )


def predictions(probs: np.ndarray, female_logits: np.ndarray, calibration: Calibration) -> dict[str, np.ndarray]:
    low, high = apply_interval(probs, calibration)
    return {
        "age": expected_age(probs),
        "age_low": low,
        "age_high": high,
        "female_probability": sigmoid(female_logits / calibration.temperature),
    }
