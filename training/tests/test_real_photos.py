"""real_photos.py on made-up features: folds keep persons apart, the heads learn what real photos need,
and each kind of photo gets intervals that hold for it."""

from __future__ import annotations

import numpy as np
import torch

from agegender_train import real_photos as rp

C = 8


def made_up(n: int, rng: np.random.Generator, scan: bool, groups: int = 1) -> rp.Faces:
    """Feature 0 carries the age; a scan has feature 1 on and reads its age 6 years higher through feature 0."""
    age = rng.integers(1, 60, n)
    f = rng.normal(0, 0.05, (n, 2, C))
    f[:, :, 0] = ((age + (6 if scan else 0)) / 60)[:, None] + rng.normal(0, 0.03, (n, 1))
    f[:, :, 1] = 1.0 if scan else 0.0
    female = rng.integers(0, 2, n)
    f[:, :, 2] = (female * 2 - 1)[:, None] * 0.5 + rng.normal(0, 0.3, (n, 1))
    return rp.Faces(
        f.astype(np.float32),
        age,
        np.stack([age, age], 1),
        female,
        rng.integers(0, groups, n) if groups > 1 else np.full(n, -1),
        np.full(n, -1),
    )


def start_heads() -> rp.Heads:
    """Heads that read the age off feature 0 as chips show it (as a model trained on chips would)."""
    ages = torch.arange(101, dtype=torch.float64)
    age_w = torch.zeros(101, C, dtype=torch.float64)
    age_w[:, 0] = ages * 60 / 36  # logits -(60 f - a)^2 / 72 up to a constant: a Gaussian of std 6 around 60 f
    age_b = -(ages**2) / 72
    female_w = torch.zeros(1, C, dtype=torch.float64)
    female_w[0, 2] = 4.0
    return rp.Heads(
        age_w,
        age_b,
        female_w,
        torch.zeros(1, dtype=torch.float64),
        torch.zeros(1, C, dtype=torch.float64),
        torch.zeros(1, dtype=torch.float64),
        age_w.clone(),
        age_b.clone(),
    )


def test_person_folds_never_split_a_person_and_balance_photos():
    persons = np.repeat(np.arange(20), np.arange(1, 21))
    fold_of = rp.person_folds(persons, 5)
    assert sorted(fold_of) == list(range(20))
    counts = [sum(int((persons == p).sum()) for p, f in fold_of.items() if f == k) for k in range(5)]
    assert max(counts) - min(counts) <= 20


def test_scan_heads_learn_to_read_scans_younger_and_tell_them_apart():
    rng = np.random.default_rng(0)
    chips, scans = made_up(600, rng, scan=False), made_up(200, rng, scan=True, groups=10)
    cfg = rp.RealPhotoConfig(steps=300, lr=5e-2, anchor=1e-4, real_weight=3.0, progress=False)
    start = start_heads()
    bias_before = (rp.expected_age(start.outputs(scans.features)["probs"]) - scans.age).mean()
    heads = rp.fit_heads(cfg, start, [(chips, 1.0, 0), (scans, cfg.real_weight, 1)])
    new_scans = made_up(200, rng, scan=True)
    out = heads.outputs(new_scans.features)
    assert bias_before > 4
    assert abs((rp.expected_age(out["scan_probs"]) - new_scans.age).mean()) < 2
    np.testing.assert_allclose(out["probs"], start.outputs(new_scans.features)["probs"])  # the chip age head stays
    assert (rp.sigmoid(out["scan_logit"]) >= 0.5).mean() > 0.95
    assert (rp.sigmoid(heads.outputs(made_up(200, rng, scan=False).features)["scan_logit"]) < 0.5).mean() > 0.95


def test_each_kind_gets_its_own_interval_scales():
    rng = np.random.default_rng(1)
    start = start_heads()
    chips = made_up(800, rng, scan=False)
    scans = made_up(800, rng, scan=True)
    start.scan_w[0, 1], start.scan_b[0] = 20.0, -10.0  # a scan head that knows
    cfg = rp.RealPhotoConfig(progress=False)
    cal = rp.calibrate(
        cfg,
        start.outputs(chips.features),
        chips.age,
        chips.female,
        start.outputs(scans.features),
        scans.age,
        start.outputs(chips.features),
        chips.female,
    )
    for faces in (made_up(800, rng, scan=False), made_up(800, rng, scan=True)):
        est = rp.predict(start.outputs(faces.features), cal)
        covered = ((faces.age >= est["age_low"]) & (faces.age <= est["age_high"])).mean()
        assert 0.85 <= covered <= 0.95
    assert any(s.scale > c.scale for s, c in zip(cal.scan_bands, cal.chips.interval_bands))


def test_uncertain_band_is_the_narrowest_with_sure_calls_right_often_enough():
    rng = np.random.default_rng(2)
    female = rng.integers(0, 2, 4000)
    p = np.clip(np.where(female == 1, 0.62, 0.38) + rng.normal(0, 0.2, 4000), 0.001, 0.999)
    low, high = rp.uncertain_band(p, female, 0.9)
    sure = (p <= low) | (p >= high)
    assert ((p[sure] >= 0.5) == (female[sure] == 1)).mean() >= 0.9
    narrower = np.abs(p - 0.5) >= (high - 0.5) - 0.01
    assert ((p[narrower] >= 0.5) == (female[narrower] == 1)).mean() < 0.9


def test_the_scan_threshold_rises_until_modern_faces_are_rarely_read_as_scans():
    rng = np.random.default_rng(3)
    start = start_heads()
    chips, scans = made_up(1000, rng, scan=False), made_up(300, rng, scan=True)
    chips.features[:100, :, 1] = 0.6  # a tenth of the modern faces look a little like scans
    start.scan_w[0, 1], start.scan_b[0] = 20.0, -10.0  # scan probability 0.5 at feature 1 = 0.5
    outputs = [start.outputs(chips.features), chips.age, chips.female, start.outputs(scans.features), scans.age]
    as_given = rp.calibrate(rp.RealPhotoConfig(progress=False, scan_threshold=0.5), *outputs, outputs[0], chips.female)
    fitted = rp.calibrate(
        rp.RealPhotoConfig(progress=False, scan_threshold=0.5, scan_flag_rate=0.02), *outputs, outputs[0], chips.female
    )
    flagged = [rp.predict(outputs[0], cal)["is_scan"].mean() for cal in (as_given, fitted)]
    assert flagged[0] > 0.08 and flagged[1] <= 0.02 and fitted.scan_threshold > 0.5
    assert rp.predict(outputs[3], fitted)["is_scan"].mean() > 0.95  # the real scans are still read as scans


def test_the_scan_threshold_keeps_each_kind_of_modern_face_quiet():
    rng = np.random.default_rng(4)
    start = start_heads()
    start.scan_w[0, 1], start.scan_b[0] = 20.0, -10.0  # scan probability 0.5 at feature 1 = 0.5
    cfg = rp.RealPhotoConfig(progress=False, scan_threshold=0.5, scan_flag_rate=0.02)
    scans = made_up(300, rng, scan=True)

    def calibrated(chips: rp.Faces, wild: rp.Faces, kinds: np.ndarray | None = None) -> rp.KindCalibration:
        chip_out, scan_out, wild_out = (start.outputs(f.features) for f in (chips, scans, wild))
        return rp.calibrate(cfg, chip_out, chips.age, chips.female, scan_out, scans.age, wild_out, wild.female,
                            chip_kinds=kinds)  # fmt: skip

    # a tenth of the wild photos look a little like scans, no chip does: pooled, 2% of all would be 10% of these
    chips, wild = made_up(2000, rng, scan=False), made_up(500, rng, scan=False)
    wild.features[:50, :, 1] = rng.uniform(0.55, 0.65, (50, 1))
    cal = calibrated(chips, wild)
    assert rp.predict(start.outputs(wild.features), cal)["is_scan"].sum() == 10  # int(0.02 * 500), no more
    assert rp.predict(start.outputs(scans.features), cal)["is_scan"].mean() > 0.95  # the real scans still are

    # chips of two kinds, the second (30 of the 2,000, under 2% of them) scan-like: held to 2% of its own kind
    chips, wild = made_up(2000, rng, scan=False), made_up(30, rng, scan=False)
    chips.features[1970:, :, 1] = rng.uniform(0.55, 0.65, (30, 1))
    kinds = (np.arange(2000) >= 1970).astype(int)
    flagged = [rp.predict(start.outputs(chips.features), calibrated(chips, wild, k))["is_scan"] for k in (None, kinds)]
    assert flagged[0][kinds == 1].mean() == 1.0  # as one kind, all 30 are flagged
    assert flagged[1][kinds == 1].mean() <= 0.02 and flagged[1][kinds == 0].mean() <= 0.02


def test_wild_calibration_faces_are_fairface_val_where_read_not_dev_the_backbone_trained_on():
    """Every backbone since v9 trained on FairFace dev: its faces there would calibrate gender as if it never errs."""
    rng = np.random.default_rng(3)
    heads, dev, val = start_heads(), made_up(50, rng, scan=False), made_up(80, rng, scan=False)
    dev_out = (heads.outputs(dev.features), dev.female)
    out, female = rp._wild(heads, {}, dev_out)
    assert out is dev_out[0] and female is dev.female  # no val part read: dev is all there is
    out, female = rp._wild(heads, {"wild_val": val}, dev_out)
    np.testing.assert_array_equal(female, val.female)
    np.testing.assert_allclose(out["female_logit"], heads.outputs(val.features)["female_logit"])
