"""Faces the app cut from real photos (FG-NET dev scans, FairFace dev wild photos), their labels and person folds.

    npm run bench:real-photos -- --faces-dir training/.cache/real-faces   # writes the faces as the app cuts them

Each face is a 200 x 200 cut in the chip frame (as UTKFace's), so training resamples it as it does a chip.
FG-NET gives exact ages and no gender; FairFace gives an age group and a gender. Folds come from
training/splits/real-photo-folds.json: FG-NET by person, FairFace by row among the faces found.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

OPEN_AGE_GROUP_END = 90  # FairFace's "more than 70"


@dataclass
class RealFaces:
    images: np.ndarray  # [N, 200, 200, 3] uint8
    age_range: np.ndarray  # [N, 2] inclusive: [age, age] for FG-NET, the age group for FairFace
    female: np.ndarray  # 1 / 0; -1 unknown (FG-NET)
    fold: np.ndarray
    source: np.ndarray  # "fgnet" / "fairface"

    def __len__(self) -> int:
        return len(self.images)

    def take(self, idx: np.ndarray) -> RealFaces:
        return RealFaces(self.images[idx], self.age_range[idx], self.female[idx], self.fold[idx], self.source[idx])


def age_group_range(group: str) -> tuple[int, int]:
    """'30-39' -> (30, 39); '70+' -> (70, 90)."""
    low, _, high = group.rstrip("+").partition("-")
    return int(low), int(high) if high else OPEN_AGE_GROUP_END


def load_real_faces(data: str | Path, faces_dir: str | Path, folds_file: str | Path) -> RealFaces:
    """Every dev photo's face that `bench:real-photos --faces-dir` wrote (photos where none was found are left out)."""
    folds = json.loads(Path(folds_file).read_text())
    parts = []
    for name, folder in (("fgnet", "fgnet-dev"), ("fairface", "fairface-dev")):
        rows = list(csv.DictReader(open(Path(data) / folder / "labels.csv")))
        kept = [r for r in rows if (Path(faces_dir) / name / f"{r['file']}.png").exists()]
        if not kept:
            raise FileNotFoundError(
                f"no faces in {faces_dir}/{name}: run npm run bench:real-photos -- --faces-dir {faces_dir}"
            )
        images = np.stack(
            [np.asarray(Image.open(Path(faces_dir) / name / f"{r['file']}.png").convert("RGB")) for r in kept]
        )
        if name == "fgnet":
            ages = np.array([[int(r["age"])] * 2 for r in kept])
            female = np.full(len(kept), -1)
            fold = np.array([folds["fgnet_person_fold"][r["person"]] for r in kept])
        else:
            ages = np.array([age_group_range(r["age_group"]) for r in kept])
            female = np.array([int(r["gender"] == "female") for r in kept])
            fold = np.arange(len(kept)) % folds["folds"]
        parts.append(RealFaces(images, ages, female, fold, np.full(len(kept), name)))
    return RealFaces(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in ("images", "age_range", "female", "fold", "source"))
    )
