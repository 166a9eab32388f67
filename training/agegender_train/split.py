"""A deterministic train/validation/test split, stratified by age band and gender, kept in a file."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from .config import age_band
from .dataset import FaceSet

PARTS = ("train", "val", "test")


def stratified_parts(
    strata: dict[tuple, list[str]], val_fraction: float, test_fraction: float, rng: np.random.Generator
) -> dict[str, list[str]]:
    """Each stratum's names shuffled and cut into val, test and train by the fractions (the real photos' split,
    real_data.py, cuts its sets the same way)."""
    split: dict[str, list[str]] = {part: [] for part in PARTS}
    for key in sorted(strata):
        names = sorted(strata[key])
        rng.shuffle(names)
        n_val, n_test = round(len(names) * val_fraction), round(len(names) * test_fraction)
        split["val"] += names[:n_val]
        split["test"] += names[n_val : n_val + n_test]
        split["train"] += names[n_val + n_test :]
    return {part: sorted(names) for part, names in split.items()}


def make_split(faces: FaceSet, val_fraction: float, test_fraction: float, seed: int) -> dict[str, list[str]]:
    strata: dict[tuple, list[str]] = defaultdict(list)
    for name, age, gender in zip(faces.names, faces.ages, faces.genders):
        strata[(age_band(int(age)), int(gender))].append(name)
    return stratified_parts(strata, val_fraction, test_fraction, np.random.default_rng(seed))


def load_or_make_split(
    path: str | Path, faces: FaceSet, val_fraction: float, test_fraction: float, seed: int
) -> dict[str, list[str]]:
    """Reuse the split file if there is one (so the test part never moves); otherwise write it."""
    path = Path(path)
    if path.exists():
        split = json.loads(path.read_text())
        available = set(faces.names)
        missing = [n for part in PARTS for n in split[part] if n not in available]
        if missing:
            raise ValueError(
                f"{len(missing)} faces named in {path} are not in the data (e.g. {missing[:3]}); "
                "use the data the split was made from, or another --split-file"
            )
        return {part: split[part] for part in PARTS}
    split = make_split(faces, val_fraction, test_fraction, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "seed": seed,
        "stratified_by": ["age_band", "gender"],
        "val_fraction": val_fraction,
        "test_fraction": test_fraction,
        "counts": {p: len(split[p]) for p in PARTS},
        **split,
    }
    path.write_text(json.dumps(record, indent=0) + "\n")
    return split


def main(argv: list[str] | None = None) -> int:
    """Print the paths of one part of a split file, one per line (for `npm run predict -- --files-from`)."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--split-file", default="training/splits/utkface.json")
    parser.add_argument("--part", choices=PARTS, default="test")
    parser.add_argument("--data", default="../shared/data/UTKFace", help="folder the names are joined to")
    args = parser.parse_args(argv)
    for name in json.loads(Path(args.split_file).read_text())[args.part]:
        print(Path(args.data) / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
