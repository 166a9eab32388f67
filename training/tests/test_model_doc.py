"""docs/MODEL.md and the README's generated tables say what the shipped model cards say."""

import copy
import json

import pytest
from conftest import REPO_ROOT

from agegender_train import export, model_doc
from agegender_train.config import RealMixConfig, TrainConfig
from agegender_train.data_terms import license_section
from agegender_train.export import data_sets

SPLIT = "training/splits/real-photos.json"


def test_model_doc_matches_the_cards() -> None:
    assert model_doc.main(["--check"]) == 0, (
        "regenerate docs/MODEL.md and README.md: python -m agegender_train.model_doc"
    )


def shipped_card() -> dict:
    return json.loads((REPO_ROOT / model_doc.CARDS[0]).read_text())


def test_readme_tables_follow_a_changed_card() -> None:
    card = shipped_card()
    changed = copy.deepcopy(card)
    changed["metrics"]["test"]["overall"]["age_mae"] = 3.21
    changed["license"] = license_section(["utkface", "all-age-faces"])
    readme = (REPO_ROOT / model_doc.README).read_text()
    before = model_doc.fill_readme(readme, model_doc.readme_tables([card]))
    after = model_doc.fill_readme(readme, model_doc.readme_tables([changed]))
    assert "| 3.21 |" in after and "| 3.21 |" not in before
    # the licence table lists every data set, saying which are behind the weights
    assert after.count("| yes |") == 2 and before.count("| yes |") == len(card["license"]["data"])


def test_a_readme_without_its_markers_is_an_error() -> None:
    with pytest.raises(ValueError, match="model_doc:accuracy"):
        model_doc.fill_readme("# no generated blocks\n", model_doc.readme_tables([shipped_card()]))


def test_a_cards_data_sets_include_its_real_photos_and_ancestors() -> None:
    mix = RealMixConfig(fgnet_dev=1.0, fairface_dev=0.0, fairface=0.0, all_age_faces=2.0)
    cfg = TrainConfig(
        pretrained=True, real_faces="faces", real_mix=mix, teacher=str(REPO_ROOT / "public/models/agegender/model.json")
    )
    sets = license_section(data_sets(cfg))
    # the teacher's card adds FairFace (v9 learnt from FairFace dev); each set once, in the table's order
    assert [d["set"] for d in sets["data"]] == ["utkface", "imagenet", "fgnet", "fairface", "all-age-faces"]
    assert [d["set"] for d in license_section(data_sets(TrainConfig(pretrained=False)))["data"]] == ["utkface"]


def test_the_real_photo_table_puts_face_api_beside_each_set() -> None:
    card = shipped_card()
    real = card["real_photos"]
    real.pop("face_api", None)
    alone = model_doc.readme_tables([card])["real-photos"]
    real["face_api"] = export.face_api_real_photos(SPLIT)["face_api"]  # as measured: no interval, band or flag
    real["face_api"]["fairface"]["face_found"] = 0.123
    beside = model_doc.readme_tables([card])["real-photos"]
    cells = lambda row: [c.strip() for c in row.strip().strip("|").split("|")]  # noqa: E731
    assert cells(beside[0])[2::2] == ["face-api.js"] * 3 and len(cells(alone[0])) == 4
    found = cells(beside[2])
    assert found[2] == "0.123" and found[1] == f"{real['out_of_fold']['fairface']['face_found']:.3f}"
    # face-api.js has no interval, band or scan flag: said so, not a number
    assert cells(beside[7])[2] == "no band" and cells(beside[9])[4] == "no interval"
    assert cells(beside[10])[2::2] == ["no flag"] * 3
    everyday = real["face_api"]["everyday_photos"]["overall"]
    assert cells(beside[8])[4].startswith(f"{everyday['mae']:.2f}, {everyday['bias']:+.2f}")
    doc = "\n".join(model_doc._test_parts(real))
    assert "| face-api.js |" in doc and "| 0.123 |" in doc and "faces face-api.js found" in doc


def test_face_apis_kept_report_reads_into_the_cards_terms() -> None:
    section = export.face_api_real_photos(SPLIT)["face_api"]
    assert section["command"].endswith(export.FACE_API_REAL_PHOTOS)
    assert 0 < section["fairface"]["face_found"] < 1
    # no interval, band or flag: the bench writes NaN, which JSON keeps as null
    assert section["fairface"]["sure_accuracy"] is None and section["fairface"]["read_as_scan"] is None
    assert section["everyday_photos"]["overall"]["coverage"] is None and section["old_scans"]["overall"]["mae"] > 0
    # measured on another split: not put beside
    assert export.face_api_real_photos("training/splits/utkface.json") == {}
