"""docs/MODEL.md and the README's generated tables say what the shipped model cards say."""

import copy
import json

import pytest
from conftest import REPO_ROOT

from agegender_train import model_doc
from agegender_train.config import RealMixConfig, TrainConfig
from agegender_train.data_terms import license_section
from agegender_train.export import data_sets


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
