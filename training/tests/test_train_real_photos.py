"""Training on real photos beside UTKFace: the loss per kind of label, and a tiny run with a fold held out."""

import csv
import json
import math
from pathlib import Path

import numpy as np
import torch
from conftest import REPO_ROOT, fixture_face_pixels, make_utkface_folder, tiny_run_args
from PIL import Image

from agegender_train import train
from agegender_train.config import TrainConfig
from agegender_train.real_faces import load_real_faces


def _write_real_photos(root: Path) -> tuple[Path, Path, Path]:
    """Two FG-NET persons (three scans each) and four FairFace photos, their faces cut, and folds (person 1 in fold 0)."""
    data, faces = root / "real-photos", root / "faces"
    pixels = fixture_face_pixels()
    rows = {
        "fgnet": [
            {"file": f"{p:03d}A{a:02d}.JPG", "person": str(p), "age": str(a)} for p in (1, 2) for a in (3, 10, 40)
        ],
        "fairface": [
            {"file": f"ff{i}.jpg", "age_group": g, "gender": s}
            for i, (g, s) in enumerate(
                [("20-29", "female"), ("3-9", "male"), ("more than 70", "female"), ("70+", "male")]
            )
        ],
    }
    rows["fairface"][2]["age_group"] = "50-59"
    for name, folder in (("fgnet", "fgnet-dev"), ("fairface", "fairface-dev")):
        (data / folder).mkdir(parents=True)
        (faces / name).mkdir(parents=True)
        with open(data / folder / "labels.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[name][0]))
            writer.writeheader()
            writer.writerows(rows[name])
        for i, r in enumerate(rows[name]):
            Image.fromarray(pixels[i % len(pixels)]).save(faces / name / f"{r['file']}.png")
    folds = root / "folds.json"
    folds.write_text(
        json.dumps({"folds": 2, "fgnet_person_fold": {"1": 0, "2": 1}, "fairface_fold": "row index modulo folds"})
    )
    return data, faces, folds


def test_load_real_faces_reads_labels_and_folds(tmp_path: Path) -> None:
    data, faces, folds = _write_real_photos(tmp_path)
    (faces / "fairface" / "ff3.jpg.png").unlink()  # no face found there: left out
    real = load_real_faces(data, faces, folds)
    assert list(real.source) == ["fgnet"] * 6 + ["fairface"] * 3
    assert real.age_range[:6, 0].tolist() == real.age_range[:6, 1].tolist() == [3, 10, 40] * 2
    assert real.age_range[6:].tolist() == [[20, 29], [3, 9], [50, 59]]
    assert real.female.tolist() == [-1] * 6 + [1, 0, 1]
    assert real.fold.tolist() == [0, 0, 0, 1, 1, 1, 0, 1, 0]


def test_real_photo_loss_asks_for_the_age_group_and_skips_unknown_genders() -> None:
    cfg = TrainConfig(max_age=10, gender_loss_weight=1.0)
    logits = torch.zeros(2, 11)
    logits[0, 4] = logits[1, 4] = 5.0  # both sure the face is 4
    ranges, female = torch.tensor([[3, 5], [7, 9]]), torch.tensor([-1, -1])
    inside, outside = train.real_photo_loss(logits, torch.zeros(2), ranges, female, cfg).tolist()
    probs = torch.softmax(logits[0], 0)
    assert math.isclose(inside, -math.log(probs[3:6].sum()), rel_tol=1e-5)  # the group's probability, no gender term
    assert math.isclose(outside, -math.log(probs[7:10].sum()), rel_tol=1e-5) and outside > inside + 3
    # A known gender adds its cross-entropy; an exact age is learnt as a UTKFace age is.
    with_gender = train.real_photo_loss(logits[:1], torch.zeros(1), ranges[:1], torch.tensor([1]), cfg)
    assert math.isclose(with_gender.item() - inside, math.log(2), rel_tol=1e-5)
    exact = train.real_photo_loss(logits[:1], torch.zeros(1), torch.tensor([[4, 4]]), female[:1], cfg)
    assert (
        exact.item() < train.real_photo_loss(logits[:1], torch.zeros(1), torch.tensor([[9, 9]]), female[:1], cfg).item()
    )


def test_training_with_real_photos_reports_the_held_out_fold(tmp_path: Path) -> None:
    data, faces, folds = _write_real_photos(tmp_path)
    utk = make_utkface_folder(tmp_path / "utk", 24)
    run = tmp_path / "run"
    args = tiny_run_args(utk, tmp_path, run) + [
        "--epochs", "1", "--alignment-jitter", str(REPO_ROOT / "training" / "geometry" / "alignment-jitter.json"),
        "--real-faces", str(faces), "--real-data", str(data), "--real-folds", str(folds),
        "--real-holdout-fold", "0", "--real-per-batch", "4",
    ]  # fmt: skip
    assert train.main(args) == 0
    entry = json.loads((run / "log.jsonl").read_text().splitlines()[0])
    assert np.isfinite(entry["holdout_scan_age_mae"]) and np.isfinite(entry["holdout_scan_age_bias"])
    assert 0 <= entry["holdout_wild_gender_accuracy"] <= 1
    assert torch.load(run / "model.pt", weights_only=False)["config"]["real_holdout_fold"] == 0
