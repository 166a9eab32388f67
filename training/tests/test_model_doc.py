"""docs/MODEL.md says what the shipped model cards say."""

from agegender_train import model_doc


def test_model_doc_matches_the_cards() -> None:
    assert model_doc.main(["--check"]) == 0, "regenerate docs/MODEL.md: python -m agegender_train.model_doc"
