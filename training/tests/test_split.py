import json
from pathlib import Path

import numpy as np
import pytest

from agegender_train.config import age_band
from agegender_train.dataset import FaceSet
from agegender_train.split import PARTS, load_or_make_split, make_split


def _faces(n: int = 2000) -> FaceSet:
    rng = np.random.default_rng(0)
    ages, genders = rng.integers(0, 100, n), rng.integers(0, 2, n)
    names = [f"{a}_{g}_0_{i:017d}.jpg.chip.jpg" for i, (a, g) in enumerate(zip(ages, genders))]
    return FaceSet(names, np.zeros((n, 1, 1, 3), np.uint8), ages, genders, np.zeros(n, np.int64))


def test_split_is_deterministic_disjoint_complete_and_stratified() -> None:
    faces = _faces()
    split = make_split(faces, 0.1, 0.1, seed=7)
    assert split == make_split(faces, 0.1, 0.1, seed=7)
    assert split != make_split(faces, 0.1, 0.1, seed=8)
    all_names = [n for p in PARTS for n in split[p]]
    assert sorted(all_names) == sorted(faces.names)
    assert abs(len(split["test"]) - 200) <= 10 and abs(len(split["val"]) - 200) <= 10
    # Each age band x gender stratum keeps its share in the test part.
    labels = {n: (age_band(int(a)), int(g)) for n, a, g in zip(faces.names, faces.ages, faces.genders)}
    for stratum in set(labels.values()):
        total = sum(1 for v in labels.values() if v == stratum)
        in_test = sum(1 for n in split["test"] if labels[n] == stratum)
        assert abs(in_test - 0.1 * total) <= 1, stratum


def test_split_file_is_written_then_reused(tmp_path: Path) -> None:
    faces, path = _faces(300), tmp_path / "split.json"
    first = load_or_make_split(path, faces, 0.1, 0.1, seed=1)
    record = json.loads(path.read_text())
    assert record["seed"] == 1 and record["counts"]["test"] == len(first["test"])
    # Another seed does not move the saved split: the test part never changes under your feet.
    assert load_or_make_split(path, faces, 0.2, 0.2, seed=99) == first


def test_split_file_naming_missing_faces_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "split.json"
    load_or_make_split(path, _faces(300), 0.1, 0.1, seed=1)
    with pytest.raises(ValueError, match="not in the data"):
        load_or_make_split(path, _faces(100), 0.1, 0.1, seed=1)


def test_committed_split_covers_the_shared_data_exactly() -> None:
    from conftest import SHARED_UTKFACE

    from agegender_train.dataset import parse_utkface_name

    if not SHARED_UTKFACE.is_dir():
        pytest.skip(f"{SHARED_UTKFACE} is not here: the committed split can only be checked against the data")
    well_named = set()
    for p in SHARED_UTKFACE.iterdir():
        try:
            parse_utkface_name(p.name)
            well_named.add(p.name)
        except ValueError:
            pass
    split = json.loads((Path(__file__).resolve().parents[1] / "splits" / "utkface.json").read_text())
    assert sorted(n for part in PARTS for n in split[part]) == sorted(well_named)
    assert not set(split["train"]) & set(split["test"]) and not set(split["val"]) & set(split["test"])
