"""Every labelled real-photo set, its faces cut as the app cuts them, and the one split of them.

    npm run cut:faces                                                   # training/.cache/faces/SET/
    PYTHONPATH=training training/.venv/bin/python -m agegender_train.real_data --make-split   # once

Sets (in ../shared/data): fgnet-dev (old scans, exact ages, by person), fairface-dev and fairface (wild
photos: an age group and a gender; fairface also a race), all-age-faces (everyday photos, mostly East
Asian: exact age and gender). `cut:faces` writes each set's largest face per photo (200 x 200, the chip
frame, so training resamples it as it does a UTKFace chip) and an index.csv of every photo with its labels.

training/splits/real-photos.json gives every photo of every set a part, found face or not: train, val or
test. Test parts are for judging a finished model, never for choosing one. FG-NET by person: the persons of
fold 0 of real-photo-folds.json are its test part (what v9 held out), the rest train (its person folds remain
for fitting scan calibration across persons); fairface-dev: the photos v9 held out, and those with no face
found, are test. fairface and all-age-faces: 10% val and 10% test, stratified, drawn with a seed.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
from PIL import Image

from .config import age_band
from .dataset import FaceSet
from .split import stratified_parts

SETS: tuple[str, ...] = ("fgnet-dev", "fairface-dev", "fairface", "all-age-faces")
PARTS: tuple[str, ...] = ("train", "val", "test")
OPEN_AGE_GROUP_END = 100  # FairFace's "70+": its README gives 70-100


@dataclass
class RealFaces:
    images: np.ndarray  # [N, 200, 200, 3] uint8
    age_range: np.ndarray  # [N, 2] inclusive: [age, age] where the age is exact, else the age group
    female: np.ndarray  # 1 / 0; -1 unknown (FG-NET)
    source: np.ndarray  # the set
    part: np.ndarray  # train / val / test
    person: np.ndarray  # FG-NET's person, "" elsewhere
    race: np.ndarray  # FairFace's race, "" elsewhere
    file: np.ndarray

    def __len__(self) -> int:
        return len(self.images)

    def take(self, idx: np.ndarray) -> RealFaces:
        return RealFaces(*(getattr(self, f.name)[idx] for f in fields(self)))

    def face_set(self) -> FaceSet:
        """The faces as what reads UTKFace faces takes: each named by its set and file, aged by the low end of
        its range, gender -1 where unknown."""
        names = [f"{source}/{file}" for source, file in zip(self.source, self.file)]
        return FaceSet(names, self.images, self.age_range[:, 0], self.female, np.zeros(len(self), np.int64))


def age_range_of(row: dict[str, str]) -> tuple[int, int]:
    """An exact age as [age, age]; an age group ('30-39', '70+', or age_low / age_high) as its bounds."""
    if row.get("age"):
        return int(row["age"]), int(row["age"])
    if row.get("age_low"):
        return int(row["age_low"]), int(row["age_high"])
    low, _, high = row["age_group"].rstrip("+").partition("-")
    return int(low), int(high) if high else OPEN_AGE_GROUP_END


def read_index(faces_dir: str | Path, name: str) -> list[dict[str, str]]:
    """A set's index.csv as cut:faces wrote it: every labelled photo, with found 1 / 0."""
    path = Path(faces_dir) / name / "index.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run npm run cut:faces -- --out {faces_dir} --sets {name}")
    return list(csv.DictReader(open(path, newline="")))


def load_real_faces(
    faces_dir: str | Path,
    split_file: str | Path,
    sets: tuple[str, ...] = SETS,
    parts: tuple[str, ...] = PARTS,
    sample: int = 0,
) -> RealFaces:
    """The found faces of `sets` in `parts` of the split, with their labels; with `sample`, an even sample of that
    many of them (only those are decoded)."""
    split = json.loads(Path(split_file).read_text())["sets"]
    rows = []
    for name in sets:
        part_of = {file: part for part in PARTS for file in split[name][part]}
        rows += [
            (name, part_of[row["file"]], row)
            for row in read_index(faces_dir, name)
            if row["found"] == "1" and part_of.get(row["file"]) in parts
        ]
    if 0 < sample < len(rows):
        rows = [rows[i * len(rows) // sample] for i in range(sample)]
    columns: dict[str, list] = defaultdict(list)
    for name, part, row in rows:
        png = Path(faces_dir) / name / "faces" / f"{row['file'].replace('/', '_')}.png"
        columns["images"].append(np.asarray(Image.open(png).convert("RGB")))
        columns["age_range"].append(age_range_of(row))
        columns["female"].append({"female": 1, "male": 0}.get(row.get("gender", ""), -1))
        columns["source"].append(name)
        columns["part"].append(part)
        columns["person"].append(row.get("person", ""))
        columns["race"].append(row.get("race", ""))
        columns["file"].append(row["file"])
    if not columns:
        return RealFaces(np.zeros((0, 200, 200, 3), np.uint8), np.zeros((0, 2), np.int64), *[np.array([])] * 6)
    return RealFaces(
        np.stack(columns["images"]),
        np.array(columns["age_range"], np.int64),
        np.array(columns["female"], np.int64),
        *(np.array(columns[f]) for f in ("source", "part", "person", "race", "file")),
    )


def _stratified(rows: list[dict[str, str]], key, val: float, test: float, rng: np.random.Generator) -> dict:
    strata: dict[tuple, list[str]] = defaultdict(list)
    for row in rows:
        strata[key(row)].append(row["file"])
    return stratified_parts(strata, val, test, rng)


def make_split(faces_dir: str | Path, folds_file: str | Path, seed: int, val: float, test: float) -> dict:
    """Every photo of every set in a part (see the module's docstring)."""
    folds = json.loads(Path(folds_file).read_text())
    rng = np.random.default_rng(seed)
    fgnet = read_index(faces_dir, "fgnet-dev")
    fgnet_test = {r["file"] for r in fgnet if folds["fgnet_person_fold"][r["person"]] == 0}
    # v9 held out the FairFace dev photos of fold 0: by rank among the photos with a face found.
    dev = read_index(faces_dir, "fairface-dev")
    found = [r["file"] for r in dev if r["found"] == "1"]
    dev_test = {f for i, f in enumerate(found) if i % folds["folds"] == 0} | {
        r["file"] for r in dev if r["found"] != "1"
    }
    return {
        "fgnet-dev": {
            "train": sorted({r["file"] for r in fgnet} - fgnet_test),
            "val": [],
            "test": sorted(fgnet_test),
        },
        "fairface-dev": {"train": sorted({r["file"] for r in dev} - dev_test), "val": [], "test": sorted(dev_test)},
        "fairface": _stratified(
            read_index(faces_dir, "fairface"), lambda r: (r["age_group"], r["gender"], r["race"]), val, test, rng
        ),
        "all-age-faces": _stratified(
            read_index(faces_dir, "all-age-faces"), lambda r: (age_band(int(r["age"])), r["gender"]), val, test, rng
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces-dir", default="training/.cache/faces", help="what npm run cut:faces wrote")
    parser.add_argument("--split-file", default="training/splits/real-photos.json")
    parser.add_argument("--folds", default="training/splits/real-photo-folds.json", help="FG-NET's person folds")
    parser.add_argument("--make-split", action="store_true", help="write the split file (refused if there is one)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--test-fraction", type=float, default=0.1)
    args = parser.parse_args(argv)
    path = Path(args.split_file)
    if args.make_split:
        if path.exists():
            parser.error(f"{path} exists: a split is made once, so that its test parts never move")
        sets = make_split(args.faces_dir, args.folds, args.seed, args.val_fraction, args.test_fraction)
        record = {
            "about": __doc__.split("\n\n")[-1].strip() if __doc__ else "",
            "seed": args.seed,
            "val_fraction": args.val_fraction,
            "test_fraction": args.test_fraction,
            "counts": {name: {p: len(files) for p, files in parts.items()} for name, parts in sets.items()},
            "sets": sets,
        }
        path.write_text(json.dumps(record, indent=0) + "\n")
    split = json.loads(path.read_text())
    for name, counts in split["counts"].items():
        print(f"{name}: " + ", ".join(f"{p} {n}" for p, n in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
