"""remeasure.py: a card's test parts measured again with the settings its heads' run recorded, the rest kept."""

import json
from pathlib import Path

from agegender_train import remeasure


def test_remeasures_with_the_recorded_settings_and_keeps_the_rest(tmp_path: Path, monkeypatch) -> None:
    card = {
        "name": "agegender",
        "metrics": {"test": {"overall": {"age_mae": 4.48}}},
        "training": {
            "real_photo_heads": {"config": {"before": "git:6e6a06f:m.json", "real_split": "s.json", "gone": 1}}
        },
        "real_photos": {"note": "old", "out_of_fold": {"fairface": {"face_found": 0.95}}},
    }
    (tmp_path / "model-card.json").write_text(json.dumps(card))
    seen = []

    def report(cfg, out: Path) -> dict:
        seen.append((cfg.before, cfg.real_split, out))
        return {"note": "The test parts.", "out_of_fold": {"fairface": {"face_found": 0.97}}}

    monkeypatch.setattr(remeasure, "held_out_report", report)
    assert remeasure.main(["--model-dir", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "model-card.json").read_text())
    assert seen == [("git:6e6a06f:m.json", "s.json", tmp_path)]
    assert written["real_photos"]["out_of_fold"]["fairface"]["face_found"] == 0.97
    assert written["real_photos"]["note"].startswith("The test parts. Measured again by `PYTHONPATH=training")
    assert {k: written[k] for k in ("name", "metrics", "training")} == {
        k: card[k] for k in ("name", "metrics", "training")
    }
