"""Training on real photos beside UTKFace: the one real-data module (faces as cut:faces writes them, one split),
the loss per kind of label, the mix of sets, and a tiny run reporting the val parts."""

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, fixture_face_pixels, make_utkface_folder, tiny_run_args
from PIL import Image

from agegender_train import real_data, train
from agegender_train.config import TrainConfig


def _write_cut_faces(root: Path) -> Path:
    """Every set as cut:faces writes it: two FG-NET persons (three scans each), FairFace dev and FairFace photos
    (one with no face found), All-Age-Faces photos; faces are the fixture chips."""
    faces, pixels = root / "faces", fixture_face_pixels()
    rows = {
        "fgnet-dev": [
            {"file": f"{p:03d}A{a:02d}.JPG", "person": str(p), "age": str(a)} for p in (1, 2) for a in (3, 10, 40)
        ],
        "fairface-dev": [
            {"file": f"ff{i}.jpg", "age_group": g, "gender": s}
            for i, (g, s) in enumerate([("20-29", "female"), ("3-9", "male"), ("50-59", "female"), ("70+", "male")])
        ],
        "fairface": [
            {"file": f"images/{i}.jpg", "age_group": g, "age_low": lo, "age_high": hi, "gender": s, "race": r}
            for i, (g, lo, hi, s, r) in enumerate(
                [("20-29", "20", "29", "female", "Black"), ("70+", "70", "100", "male", "East Asian")] * 10
            )
        ],
        "all-age-faces": [
            {"file": f"images/{i:05d}A{a:02d}.jpg", "age": str(a), "gender": s}
            for i, (a, s) in enumerate([(5, "female"), (33, "male"), (61, "female")] * 10)
        ],
    }
    for name, labels in rows.items():
        (faces / name / "faces").mkdir(parents=True)
        for i, r in enumerate(labels):
            r["found"] = "0" if (name == "fairface-dev" and i == 3) else "1"
            if r["found"] == "1":
                Image.fromarray(pixels[i % len(pixels)]).save(
                    faces / name / "faces" / f"{r['file'].replace('/', '_')}.png"
                )
        with open(faces / name / "index.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(labels[0]))
            writer.writeheader()
            writer.writerows(labels)
    return faces


def _write_split(root: Path, faces: Path) -> Path:
    folds = root / "folds.json"
    folds.write_text(json.dumps({"folds": 2, "fgnet_person_fold": {"1": 0, "2": 1}}))
    split = root / "real-photos.json"
    assert real_data.main(["--faces-dir", str(faces), "--split-file", str(split), "--folds", str(folds),
                           "--make-split", "--val-fraction", "0.2", "--test-fraction", "0.2"]) == 0  # fmt: skip
    return split


def test_the_split_keeps_persons_and_v9s_held_out_photos_in_test(tmp_path: Path) -> None:
    faces = _write_cut_faces(tmp_path)
    split_file = _write_split(tmp_path, faces)
    sets = json.loads(split_file.read_text())["sets"]
    assert sets["fgnet-dev"]["test"] == [f"001A{a:02d}.JPG" for a in (3, 10, 40)]  # person 1: fold 0
    # fairface-dev: fold 0 by rank among the faces found (ff0, ff2), and the photo with no face (ff3)
    assert sets["fairface-dev"] == {"train": ["ff1.jpg"], "val": [], "test": ["ff0.jpg", "ff2.jpg", "ff3.jpg"]}
    for name in ("fairface", "all-age-faces"):
        parts = sets[name]
        assert sorted(sum(parts.values(), [])) == sorted({r["file"] for r in real_data.read_index(faces, name)})
        strata = 2 if name == "fairface" else 3  # (age group, gender, race) / (age band, gender): 10 photos each
        assert len(parts["val"]) == len(parts["test"]) == 2 * strata
    # Made once: a second --make-split is refused, so the test parts never move.
    with pytest.raises(SystemExit):
        real_data.main(["--faces-dir", str(faces), "--split-file", str(split_file), "--make-split"])


def test_load_real_faces_reads_labels_of_the_faces_found(tmp_path: Path) -> None:
    faces = _write_cut_faces(tmp_path)
    split_file = _write_split(tmp_path, faces)
    real = real_data.load_real_faces(faces, split_file, ("fgnet-dev", "fairface-dev"), ("train", "test"))
    assert list(real.source) == ["fgnet-dev"] * 6 + ["fairface-dev"] * 3  # ff3: no face found
    assert real.age_range[:6, 0].tolist() == real.age_range[:6, 1].tolist() == [3, 10, 40] * 2
    assert real.age_range[6:].tolist() == [[20, 29], [3, 9], [50, 59]]
    assert real.female.tolist() == [-1] * 6 + [1, 0, 1]
    assert real.part.tolist() == ["test"] * 3 + ["train"] * 3 + ["test", "train", "test"]
    wild = real_data.load_real_faces(faces, split_file, ("fairface",), ("val",))
    assert set(map(tuple, wild.age_range.tolist())) <= {(20, 29), (70, 100)} and set(wild.race) <= {
        "Black",
        "East Asian",
    }
    assert real_data.age_range_of({"age_group": "70+"}) == (70, 100)
    # An even sample, decoding only the faces it keeps.
    every = real_data.load_real_faces(faces, split_file, ("all-age-faces",), ("train",))
    some = real_data.load_real_faces(faces, split_file, ("all-age-faces",), ("train",), sample=3)
    assert list(some.file) == [every.file[i * len(every) // 3] for i in range(3)] and len(some.images) == 3


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


def test_training_with_real_photos_draws_by_the_mix_and_reports_the_val_parts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faces = _write_cut_faces(tmp_path)
    split_file = _write_split(tmp_path, faces)
    utk = make_utkface_folder(tmp_path / "utk", 24)
    run = tmp_path / "run"
    args = tiny_run_args(utk, tmp_path, run) + [
        "--epochs", "1", "--alignment-jitter", str(REPO_ROOT / "training" / "geometry" / "alignment-jitter.json"),
        "--real-faces", str(faces), "--real-split", str(split_file), "--real-per-batch", "4",
        "--real-mix.fairface", "2", "--real-mix.all-age-faces", "1", "--real-mix.fairface-dev", "0",
    ]  # fmt: skip
    assert train.main(args) == 0
    entry = json.loads((run / "log.jsonl").read_text().splitlines()[0])
    assert np.isfinite(entry["val_all_age_faces_age_mae"]) and np.isfinite(entry["val_all_age_faces_age_bias"])
    assert 0 <= entry["val_fairface_gender_accuracy"] <= 1 and 0 <= entry["val_fairface_age_group_accuracy"] <= 1
    assert not any(k.startswith("val_fairface_dev") for k in entry)  # weight 0: not read at all
    assert torch.load(run / "model.pt", weights_only=False)["config"]["real_mix"]["fairface"] == 2

    # Distilled on the real faces too: the teacher reads each real training face once, cached beside UTKFace's.
    taught = tmp_path / "taught"
    distil = ["--teacher", str(run / "model.pt"), "--distill-real-faces", "--out-dir", str(taught)]
    assert train.main(args + distil) == 0
    assert "(its outputs on the clean real training faces)" in capsys.readouterr().out
    drawn = ("fgnet-dev", "fairface", "all-age-faces")  # real_mix's weights above 0
    real_train = real_data.load_real_faces(faces, split_file, drawn, ("train",))
    utk_train = json.loads((tmp_path / "split.json").read_text())["train"]
    cached = [np.load(f)["female_probs"].shape for f in (tmp_path / "cache").glob("teacher-*.npz")]
    assert sorted(cached) == sorted([(len(real_train),), (len(utk_train),)])
    assert train.main(args + ["--distill-real-faces", "--out-dir", str(taught)]) == 2  # no teacher: said, not ignored
    assert "--distill-real-faces needs a --teacher" in capsys.readouterr().err


def test_the_mix_draws_each_set_by_its_weight() -> None:
    cfg = TrainConfig(real_faces="x")
    draw = torch.tensor([cfg.real_mix.weight(n) for n in ["fgnet-dev"] * 3 + ["fairface"] * 2], dtype=torch.float64)
    assert draw.tolist() == [1.0, 1.0, 1.0, 0.0, 0.0]  # the defaults: v9's two sets, every face alike
    picked = torch.multinomial(draw, 1000, replacement=True, generator=torch.Generator().manual_seed(0))
    assert set(picked.tolist()) == {0, 1, 2}
