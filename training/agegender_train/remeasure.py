"""Measure a shipped model's real-photo test parts again through the app, into its card: for a change of the app's
pipeline (the face detector, the alignment) that leaves the weights as they are.

    PYTHONPATH=training training/.venv/bin/python -m agegender_train.remeasure --model-dir public/models/agegender

The card's real_photos section is replaced by what real_photos.py's build would write now: the model and the one its
heads' run compared it with ("before"), through npm run bench:real-photos -- --part test, with this command and the
revision of the app that measured them. Everything else in the card stays.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from .real_photos import RealPhotoConfig, held_out_report


def remeasured(card: dict, model_dir: Path, command: str, revision: str) -> dict:
    """The card's real_photos section measured again with the settings its heads' run recorded."""
    recorded = card["training"]["real_photo_heads"]["config"]
    cfg = RealPhotoConfig(**{k: v for k, v in recorded.items() if k in RealPhotoConfig.__dataclass_fields__})
    report = held_out_report(cfg, model_dir)
    report["note"] += f" Measured again by `{command}` with the app at revision {revision}."
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", default="public/models/agegender", help="holds model.json and model-card.json")
    args = parser.parse_args(argv)
    model_dir = Path(args.model_dir)
    card_path = model_dir / "model-card.json"
    card = json.loads(card_path.read_text())
    command = f"PYTHONPATH=training training/.venv/bin/python -m agegender_train.remeasure --model-dir {args.model_dir}"
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    card["real_photos"] = remeasured(card, model_dir, command, revision or "unknown")
    card_path.write_text(json.dumps(card, indent=1) + "\n")
    print(f"wrote the test parts into {card_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
