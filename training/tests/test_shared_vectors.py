"""The test vectors that src/lib/sharedVectors.test.ts runs too: both languages read names, bands, metrics and
intervals the same way."""

import json
import re

import numpy as np
import pytest
from conftest import REPO_ROOT

from agegender_train.calibration import Calibration, age_quantile, apply_interval, expected_age
from agegender_train.config import GENDER_UNCERTAIN, GENDERS, RACES, age_band
from agegender_train.dataset import parse_utkface_name
from agegender_train.metrics import group_metrics

VECTORS = json.loads((REPO_ROOT / "src" / "lib" / "shared-test-vectors.json").read_text())
TOLERANCE = VECTORS["tolerance"]


def distribution(name: str) -> np.ndarray:
    return np.array(VECTORS["distributions"][name], dtype=np.float64)


def test_the_vectors_describe_every_distribution_they_use() -> None:
    used = {c["distribution"] for c in VECTORS["age_quantiles"] + VECTORS["intervals"]}
    assert used == set(VECTORS["distributions"])


@pytest.mark.parametrize("case", VECTORS["utkface_names"], ids=lambda c: repr(c["name"]))
def test_utkface_names(case: dict) -> None:
    if "error" in case:
        with pytest.raises(ValueError, match=f"^{re.escape(case['error'])}$"):
            parse_utkface_name(case["name"])
    else:
        labels = parse_utkface_name(case["name"])
        assert {"age": labels.age, "gender": GENDERS[labels.gender], "race": RACES[labels.race]} == case["labels"]


@pytest.mark.parametrize("case", VECTORS["age_bands"], ids=lambda c: str(c["age"]))
def test_age_bands(case: dict) -> None:
    if "error" in case:
        with pytest.raises(ValueError, match=re.escape(case["error"])):
            age_band(case["age"])
    else:
        assert age_band(case["age"]) == case["band"]


def test_gender_calls() -> None:
    for case in VECTORS["gender_calls"]:
        p = case["female_probability"]
        call = "uncertain" if GENDER_UNCERTAIN[0] < p < GENDER_UNCERTAIN[1] else ("female" if p >= 0.5 else "male")
        assert call == case["call"], case


@pytest.mark.parametrize("case", VECTORS["group_metrics"], ids=lambda c: f"{len(c['faces'])} faces")
def test_group_metrics(case: dict) -> None:
    column = lambda key: np.array([f[key] for f in case["faces"]], dtype=np.float64)  # noqa: E731
    genders = np.array([GENDERS.index(f["true_gender"]) for f in case["faces"]])
    got = group_metrics(
        column("age"), column("age_low"), column("age_high"), column("female_probability"), column("true_age"), genders
    )
    assert got == pytest.approx(case["expected"], abs=TOLERANCE)


def test_age_quantiles() -> None:
    for case in VECTORS["age_quantiles"]:
        got = float(age_quantile(distribution(case["distribution"])[None], case["q"])[0])
        assert got == pytest.approx(case["expected"], abs=TOLERANCE), case


def test_intervals() -> None:
    for case in VECTORS["intervals"]:
        p = distribution(case["distribution"])[None]
        low, high = apply_interval(p, Calibration.from_dict(VECTORS["calibrations"][case["calibration"]]))
        got = {"age": float(expected_age(p)[0]), "age_low": float(low[0]), "age_high": float(high[0])}
        assert got == pytest.approx(case["expected"], abs=TOLERANCE), case
