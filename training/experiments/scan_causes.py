"""Why do old scans read older? v8 (its 8-bit export, in PyTorch) on the FG-NET dev faces as the photo
pipeline cut them, each changed one way at a time (EXPERIMENTS.md, "Real photos measured on real photos").

    mkdir -p /tmp/v8 && for f in model.json weights.bin model-card.json; do
      git show 42aeb8b:public/models/agegender/$f > /tmp/v8/$f; done
    npm run bench:real-photos -- --faces-dir training/.cache/real-faces
    PYTHONPATH=training training/.venv/bin/python training/experiments/scan_causes.py /tmp/v8/model.json

Without an argument it studies the shipped model (public/models/agegender).
"""

import csv
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageFilter, ImageOps

from agegender_train.calibration import Calibration, predictions
from agegender_train.dataset import FaceSet
from agegender_train.inference import run_model
from agegender_train.tfjs_import import load_tfjs_model

torch.set_num_threads(2)
model, meta = load_tfjs_model(sys.argv[1] if len(sys.argv) > 1 else "public/models/agegender/model.json")
cal = Calibration.from_any(meta["calibration"])
size = meta["inputSize"]


def run(images, ages):
    fs = FaceSet(
        [str(i) for i in range(len(images))],
        np.stack(images),
        np.array(ages),
        np.zeros(len(ages), int),
        np.zeros(len(ages), int),
    )
    probs, logits = run_model(model, fs, size, True)
    pr = predictions(probs, logits, cal)
    e = pr["age"] - np.array(ages)
    cov = np.mean((np.array(ages) >= pr["age_low"]) & (np.array(ages) <= pr["age_high"]))
    return e, cov, pr


def show(name, e, cov):
    print(f"{name:40s} n={len(e):5d} MAE {np.abs(e).mean():.2f} bias {e.mean():+.2f} coverage {cov:.3f}", flush=True)


FACES = Path("training/.cache/real-faces/fgnet")
rows = [
    r
    for r in csv.DictReader(open("../shared/data/real-photos/fgnet-dev/labels.csv"))
    if (FACES / f"{r['file']}.png").exists()
]
fg = [np.asarray(Image.open(FACES / f"{r['file']}.png").convert("RGB")) for r in rows]
fg_age = [int(r["age"]) for r in rows]


def colourfulness(im):
    x = im.astype(float)
    rg = x[..., 0] - x[..., 1]
    yb = (x[..., 0] + x[..., 1]) / 2 - x[..., 2]
    return np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)


col = np.array([colourfulness(i) for i in fg])
grey = lambda im: np.asarray(Image.fromarray(im).convert("L").convert("RGB"))
e, cov, _ = run(fg, fg_age)
show("FG-NET chips as cut", e, cov)
isgrey = col < 8
print("grey-looking FG-NET chips:", isgrey.sum())
for name, m in [("  greyish", isgrey), ("  colour", ~isgrey)]:
    show(name, e[m], float("nan"))
ages = np.array(fg_age)
for lo, hi in [(0, 8), (9, 18), (19, 40)]:
    m = (ages >= lo) & (ages <= hi)
    print(
        f"  ages {lo}-{hi}: grey bias {e[m & isgrey].mean():+.2f} (n={np.sum(m & isgrey)}), colour bias {e[m & ~isgrey].mean():+.2f} (n={np.sum(m & ~isgrey)})"
    )
e2, cov2, _ = run([grey(i) for i in fg], fg_age)
show("FG-NET chips made grey", e2, cov2)
show("  of those colour before", e2[~isgrey], float("nan"))
ac = lambda im: np.asarray(ImageOps.autocontrast(Image.fromarray(im), cutoff=1))
e3, cov3, _ = run([ac(i) for i in fg], fg_age)
show("FG-NET chips autocontrast", e3, cov3)
sharp = lambda im: np.asarray(Image.fromarray(im).filter(ImageFilter.UnsharpMask(2, 150, 2)))
e4, cov4, _ = run([sharp(i) for i in fg], fg_age)
show("FG-NET chips sharpened", e4, cov4)
med = lambda im: np.asarray(Image.fromarray(im).filter(ImageFilter.MedianFilter(3)))
e5, cov5, _ = run([med(i) for i in fg], fg_age)
show("FG-NET chips median 3 (less grain)", e5, cov5)
