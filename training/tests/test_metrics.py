import math

import numpy as np
import pytest

from agegender_train.calibration import (
    Calibration,
    IntervalBand,
    age_quantile,
    apply_interval,
    expected_age,
    fit_interval_bands,
    fit_temperature,
    sigmoid,
)
from agegender_train.config import AGE_BANDS
from agegender_train.metrics import (
    bootstrap_mae_ci,
    evaluation_report,
    expected_calibration_error,
    group_metrics,
    label_distribution,
    reliability_bins,
)


def test_group_metrics_on_hand_made_numbers() -> None:
    m = group_metrics(
        age=np.array([10.0, 20.0, 30.0, 40.0]),
        low=np.array([5.0, 25.0, 20.0, 35.0]),
        high=np.array([15.0, 30.0, 40.0, 45.0]),
        female_prob=np.array([0.9, 0.2, 0.6, 0.4]),
        true_age=np.array([12, 20, 37, 41]),
        true_gender=np.array([1, 0, 0, 0]),
    )
    assert m["n"] == 4
    assert m["age_mae"] == pytest.approx((2 + 0 + 7 + 1) / 4)
    assert m["age_bias"] == pytest.approx((-2 + 0 - 7 - 1) / 4)
    assert m["age_rmse"] == pytest.approx(math.sqrt((4 + 0 + 49 + 1) / 4))
    assert m["age_cs5"] == pytest.approx(3 / 4)
    assert m["interval_coverage"] == pytest.approx(3 / 4)  # 20 is below [25, 30]
    assert m["interval_width"] == pytest.approx((10 + 5 + 20 + 10) / 4)
    assert m["gender_accuracy"] == pytest.approx(3 / 4)


def test_ece_on_hand_made_numbers() -> None:
    # Confidence 0.9 for all four, three right: |0.75 - 0.9| = 0.15.
    assert expected_calibration_error(np.array([0.9, 0.9, 0.1, 0.1]), np.array([1, 1, 0, 1])) == pytest.approx(0.15)
    assert expected_calibration_error(np.array([0.75, 0.25]), np.array([1, 1])) == pytest.approx(0.25)


def test_report_groups_and_gaps() -> None:
    pred = {
        "age": np.array([2.0, 30.0, 70.0]),
        "age_low": np.zeros(3),
        "age_high": np.full(3, 100.0),
        "female_probability": np.array([0.8, 0.3, 0.4]),
    }
    report = evaluation_report(pred, ages=np.array([3, 33, 60]), genders=np.array([1, 0, 1]), races=np.array([0, 1, 1]))
    assert set(report["by_age_band"]) == {"0-3", "29-40", "41-60"}
    assert report["by_gender"]["female"]["age_mae"] == pytest.approx((1 + 10) / 2)
    assert report["by_race"]["Black"]["gender_accuracy"] == pytest.approx(0.5)
    assert report["largest_gap"]["race"]["age_mae"] == pytest.approx(6.5 - 1)
    low, high = report["overall"]["age_mae_ci95"]
    assert low <= report["overall"]["age_mae"] <= high


def test_bootstrap_ci_shrinks_with_more_data() -> None:
    rng = np.random.default_rng(0)
    small, large = bootstrap_mae_ci(rng.normal(0, 5, 50)), bootstrap_mae_ci(rng.normal(0, 5, 5000))
    assert large[1] - large[0] < small[1] - small[0]


def test_distribution_summaries() -> None:
    probs = np.zeros((1, 11))
    probs[0, [2, 5, 8]] = [0.25, 0.5, 0.25]
    assert expected_age(probs)[0] == pytest.approx(5.0)
    # Age a spreads over [a - 0.5, a + 0.5]: the 5% quantile is a fifth into age 2's quarter.
    assert age_quantile(probs, 0.05)[0] == pytest.approx(1.7)
    assert age_quantile(probs, 0.5)[0] == pytest.approx(5.0)
    assert age_quantile(probs, 0.95)[0] == pytest.approx(8.3)
    # The raw interval [1.7, 8.3] is 6.6 years wide: a scale of 0.5 / 6.6 adds 0.5 years on each side.
    low, high = apply_interval(probs, Calibration(0.9, 1.0, 1.0, [IntervalBand(0, 0.5 / 6.6, 0)]))
    assert (low[0], high[0]) == (pytest.approx(1.2), pytest.approx(8.8))
    # 1.5 / 6.6 reaches 0.2, which holds age 1: with youngest_labelled_age 1 the interval starts at 0
    low, high = apply_interval(probs, Calibration(0.9, 1.0, 1.0, [IntervalBand(0, 1.5 / 6.6, 0)]))
    assert (low[0], high[0]) == (pytest.approx(0.2), pytest.approx(9.8))
    low, high = apply_interval(probs, Calibration(0.9, 1.0, 1.0, [IntervalBand(0, 1.5 / 6.6, 0)], 1.0))
    assert (low[0], high[0]) == (0.0, pytest.approx(9.8))


def test_interval_bands_reach_the_nominal_coverage_in_every_band_of_true_age() -> None:
    rng = np.random.default_rng(0)
    n, classes = 12000, 101
    ages = rng.integers(0, 96, n)
    # As real networks do: estimates regress toward the middle (teenagers read as young adults), and the
    # network's own uncertainty differs from face to face.
    centres = np.clip(np.rint(ages + 0.3 * (33 - ages) + rng.normal(0, 2, n)), 0, classes - 1)
    spread = rng.uniform(1.0, 4.0, n)
    probs = np.exp(-0.5 * ((np.arange(classes)[None] - centres[:, None]) / spread[:, None]) ** 2)
    probs /= probs.sum(1, keepdims=True)
    ages = np.clip(np.rint(ages + rng.normal(0, 1, n) * spread), 0, classes - 1)
    half = n // 2
    bands = fit_interval_bands(probs[:half], ages[:half], 0.9, min_spread=1.0)
    assert [b.from_age for b in bands] == [0, 4, 9, 19, 29, 41, 61, 81]
    assert all(b.n >= 50 for b in bands)
    low, high = apply_interval(probs[half:], Calibration(0.9, 1.0, 1.0, bands))
    truth = ages[half:]
    covered = (truth >= low) & (truth <= high)
    for lo, hi in AGE_BANDS:
        assert 0.86 <= covered[(truth >= lo) & (truth <= hi)].mean() <= 0.94, (lo, hi)
    # The extremes are read toward the middle, so their ages need the widest margins.
    assert bands[0].scale > bands[4].scale and bands[7].scale > bands[4].scale
    # Normalised: a face the network is sure of gets a narrower interval than one it is unsure of.
    middle = (centres[half:] >= 29) & (centres[half:] <= 40)
    assert np.corrcoef((high - low)[middle], spread[half:][middle])[0, 1] > 0.8


def test_too_few_faces_in_a_band_use_the_pooled_scale() -> None:
    rng = np.random.default_rng(1)
    ages = rng.integers(20, 60, 3000)
    probs = np.exp(-0.5 * ((np.arange(101)[None] - ages[:, None]) / 3.0) ** 2)
    probs /= probs.sum(1, keepdims=True)
    bands = fit_interval_bands(probs, ages + rng.normal(0, 3, 3000).round(), 0.9, min_spread=1.0)
    assert bands[0].n == 0 and bands[0].scale == bands[7].scale  # no faces under 4 or over 80
    assert bands[4].n > 0


def test_temperature_recovers_overconfidence() -> None:
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 2, 20000)
    labels = (rng.random(20000) < sigmoid(true_logits)).astype(float)
    assert fit_temperature(true_logits * 3, labels) == pytest.approx(3.0, rel=0.08)


def test_reliability_bins_and_label_distribution() -> None:
    prob = np.array([0.05, 0.05, 0.95, 0.95, 0.95, 0.55])
    gender = np.array([0, 0, 1, 1, 0, 1])
    bins = reliability_bins(prob, gender)
    assert [b["n"] for b in bins] == [2, 1, 3]
    assert bins[0]["observed_female"] == 0 and bins[2]["observed_female"] == pytest.approx(2 / 3)
    assert bins[2]["mean_predicted"] == pytest.approx(0.95)
    dist = label_distribution(np.array([1, 1, 30]), np.array([0, 1, 1]), np.array([0, 2, 2]))
    assert dist == {
        "n": 3,
        "age": {1: 2, 30: 1},
        "gender": {"male": 1, "female": 2},
        "race": {"White": 1, "Black": 0, "Asian": 2, "Indian": 0, "Others": 0},
    }
