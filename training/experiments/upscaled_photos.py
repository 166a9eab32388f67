"""Does the app read a wild photo worse when it comes upscaled? real-photos/fairface-dev holds FairFace's 224 px photos
upscaled to 448 px, and the shipped model reads its test part's gender worse than fairface/'s (0.78 against 0.90 on
the faces found). This runs `npm run predict` (largest face) on FairFace's val part as it is and upscaled 2x
(bicubic) and prints each one's faces found and gender right. EXPERIMENTS.md's "Upscaled photos" reads it.

    PYTHONPATH=training training/.venv/bin/python training/experiments/upscaled_photos.py   # 8 min
"""

import csv
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

FAIRFACE = Path("../shared/data/fairface")


def gender_report(predictions: Path, female: dict[str, bool]) -> str:
    rows = [r for r in csv.DictReader(predictions.open()) if r["face"] in ("1", "")]
    found = [r for r in rows if r["status"] == "face"]
    right = sum((float(r["female_probability"]) >= 0.5) == female[Path(r["path"]).name] for r in found)
    return f"{len(rows)} photos, face found {len(found) / len(rows):.3f}, gender right {right / len(found):.3f}"


def main() -> None:
    files = json.loads(Path("training/splits/real-photos.json").read_text())["sets"]["fairface"]["val"]
    female = {Path(r["file"]).name: r["gender"] == "female" for r in csv.DictReader((FAIRFACE / "labels.csv").open())}
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (1, 2):
            folder = Path(tmp, f"x{scale}")
            folder.mkdir()
            for name in files:
                if scale == 1:  # the file as it is, not compressed again
                    shutil.copy(FAIRFACE / name, folder)
                else:
                    image = Image.open(FAIRFACE / name)
                    image.resize((image.width * scale, image.height * scale), Image.BICUBIC).save(
                        folder / Path(name).name, quality=95
                    )
            out = Path(tmp, f"x{scale}.csv")
            subprocess.run(["npm", "run", "--silent", "predict", "--", "--max-faces", "1", "--output", str(out),
                            str(folder)], check=True)  # fmt: skip
            print(f"FairFace val, {scale}x:", gender_report(out, female), flush=True)


if __name__ == "__main__":
    main()
