"""Wild gender: where v8 calls FairFace dev's women men, and five probes of why (EXPERIMENTS.md, "Wild gender after v9").

v8's backbone never saw a FairFace photo (v9's saw 196 of them), so every FairFace figure here is out of sample.

    mkdir -p /tmp/v8 && for f in model.json weights.bin model-card.json; do
      git show 42aeb8b:public/models/agegender/$f > /tmp/v8/$f; done
    npm run bench:real-photos -- --faces-dir training/.cache/real-faces
    npm run bench:real-photos -- --model /tmp/v8/model.json --predictions training/.cache/v8-real-photos.csv
    PYTHONPATH=training training/.venv/bin/python training/experiments/wild_gender.py /tmp/v8/model.json

The last probe needs dlib and its face descriptor (CC0) in the venv, and skips without them:
    training/.venv/bin/pip install dlib-bin==20.0.1.post1 face-recognition-models==0.3.0
"""

import csv
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from agegender_train.config import GENDER_UNCERTAIN
from agegender_train.dataset import FaceSet, load_utkface
from agegender_train.inference import run_model
from agegender_train.real_photos import RealPhotoConfig, _labels, load_features
from agegender_train.tfjs_import import load_tfjs_model

torch.set_num_threads(2)
MODEL = sys.argv[1]
FAIRFACE = Path("../shared/data/real-photos/fairface-dev")
CUT = Path("training/.cache/real-faces/fairface")
RACES = ["White", "Black", "Asian", "Indian", "Others"]

rows = {r["file"]: r for r in csv.DictReader(open(FAIRFACE / "labels.csv"))}
files = [f for f in rows if (CUT / f"{f}.png").exists()]  # the faces the pipeline found, in labels.csv's order
female = np.array([rows[f]["gender"] == "female" for f in files])
adult = np.array([rows[f]["age_group"] not in ("0-2", "3-9", "10-19") for f in files])


def report(name: str, female_logit: np.ndarray, threshold: float | np.ndarray = 0.0) -> None:
    call = female_logit > threshold
    print(
        f"{name}: gender {(call == female).mean():.3f}, adult women as men {(~call[female & adult]).mean():.3f}, "
        f"adult men as women {call[~female & adult].mean():.3f}"
    )


# 1. The crop: the model's own gender on the pipeline's aligned cut, and on fixed centre crops of the photo
#    (FairFace's photos are centred on the face, so these frame every face alike, whatever its pose).
model, meta = load_tfjs_model(MODEL)
size = meta["inputSize"]


def own_gender(images: list[np.ndarray]) -> np.ndarray:
    faces = FaceSet(files, np.stack(images), np.zeros(len(files)), female.astype(int), np.zeros(len(files)))
    return run_model(model, faces, size, flip_average=True)[1]


cuts = [np.asarray(Image.open(CUT / f"{f}.png").convert("RGB")) for f in files]  # 200x200, as the app cut them
report("own head, pipeline cut", own_gender(cuts))
photos = [Image.open(FAIRFACE / "images" / f).convert("RGB") for f in files]
for frac in (0.45, 0.5, 0.55, 0.6):
    crops = []
    for photo in photos:
        side = photo.size[0] * frac
        x0 = (photo.size[0] - side) / 2
        crops.append(np.asarray(photo.crop((x0, x0, x0 + side, x0 + side)).resize((200, 200), Image.BILINEAR)))
    report(f"own head, centre crop {frac:.2f} of the photo", own_gender(crops))


# 2. The pose: v8 through the app (its --predictions) by how far the head is turned aside (the nose's offset from
#    the eyes' midpoint along the eye line, per eye distance) and tilted (the nose's drop below the eyes, per mouth's).
app = {r["file"]: r for r in csv.DictReader(open("training/.cache/v8-real-photos.csv")) if r["set"] == "fairface"}
points = np.array([json.loads(app[f]["keypoints"]) for f in files], float).reshape(len(files), 6, 2)
right_eye, left_eye, nose, mouth = points[:, 0], points[:, 1], points[:, 2], points[:, 3]
mid, across = (right_eye + left_eye) / 2, left_eye - right_eye
eyes = np.linalg.norm(across, axis=1)
unit = across / eyes[:, None]
down = np.stack([-unit[:, 1], unit[:, 0]], 1)
turned = np.abs(((nose - mid) * unit).sum(1)) / eyes
tilted = ((nose - mid) * down).sum(1) / ((mouth - mid) * down).sum(1)
p_app = np.array([float(app[f]["female_probability"]) for f in files])
low, high = GENDER_UNCERTAIN  # v8's uncertain band (0.35-0.65)
app_right, app_sure = (p_app >= 0.5) == female, (p_app <= low) | (p_app >= high)
print(f"\nv8 through the app: gender {app_right.mean():.3f}")
for name, x in (("turned aside", turned), ("nose drop", tilted)):
    edges = np.quantile(x, [0, 1 / 3, 2 / 3, 1])
    third = np.digitize(x, edges[1:3])  # 0, 1, 2
    for k, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        part = third == k
        print(
            f"  {name} {lo:.2f}-{hi:.2f} ({part.sum()} faces): gender {app_right[part].mean():.3f}, "
            f"sure {app_sure[part].mean():.2f}, sure right {app_right[part & app_sure].mean():.3f}"
        )


# 3. A logistic gender head over the model's pooled features, fitted on UTKFace train only.
def fit_logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, l2: float = 1e-3):
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    wt = torch.ones(len(x)) if weight is None else torch.tensor(weight, dtype=torch.float32)
    mu, sd = xt.mean(0), xt.std(0) + 1e-6
    xt = (xt - mu) / sd
    w, b = torch.zeros(x.shape[1], requires_grad=True), torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=300, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        bce = torch.nn.functional.binary_cross_entropy_with_logits(xt @ w + b, yt, reduction="none")
        loss = (bce * wt).sum() / wt.sum() + l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return lambda z: ((torch.tensor(z, dtype=torch.float32) - mu) / sd @ w + b).detach().numpy()


cfg = RealPhotoConfig(model=MODEL, progress=False)
feats = load_features(cfg, model, size)
train, val = feats["train"], feats["val"]  # train: 6,000 faces and a degraded copy of each
x_train, x_val, x_wild = (s.features.mean(1) for s in (train, val, feats["fairface"]))
head = fit_logistic(x_train, train.female == 1)
print(f"\nlogistic head on UTKFace train: UTKFace val gender {((head(x_val) > 0) == (val.female == 1)).mean():.3f}")
report("  FairFace", head(x_wild))

# ... with each (age band, race, gender) cell of UTKFace weighted by its rarity
cell = np.digitize(train.age, [4, 13, 20, 30, 40, 50, 60, 70]) * 100 + train.race * 10 + train.female
_, inverse, counts = np.unique(cell, return_inverse=True, return_counts=True)
for power in (0.5, 1.0):
    weighted = fit_logistic(x_train, train.female == 1, (1.0 / counts[inverse]) ** power)
    print(f"cells weighted 1/count^{power}: UTKFace val {((weighted(x_val) > 0) == (val.female == 1)).mean():.3f}")
    report("  FairFace", weighted(x_wild))

# ... with its decision threshold fitted on FairFace (5 folds: each fold's from the other four)
logit, fold = head(x_wild), np.random.default_rng(0).permutation(len(files)) % 5
grid = np.linspace(-3, 3, 121)
thresholds = np.zeros(len(files))
for k in range(5):
    rest = fold != k
    thresholds[fold == k] = max(grid, key=lambda t: ((logit[rest] > t) == female[rest]).mean())
print(f"threshold fitted on the other folds: {', '.join(f'{t:.2f}' for t in sorted(set(thresholds)))}")
report("  FairFace", logit, thresholds)

# 4. UTKFace val, by race and age: where the same head calls women men.
val_names = json.loads(Path(cfg.split_file).read_text())["val"]
val_call = head(x_val) > 0
print("\nUTKFace val, the head above: women read as men (count)")
for lo, hi in ((20, 50), (50, 120)):
    cells = []
    for r, race in enumerate(RACES):
        women = (val.female == 1) & (val.age >= lo) & (val.age < hi) & (val.race == r)
        cells.append(f"{race} {(~val_call[women]).mean():.2f} ({women.sum()})")
    print(f"  ages {lo}-{min(hi - 1, 116)}: " + ", ".join(cells))

# 5. dlib's face descriptor (a ResNet trained to tell about 7,500 people apart), frozen, with a logistic head.
models = importlib.util.find_spec("face_recognition_models")  # not imported: its __init__ needs setuptools
try:
    import dlib
except ImportError:
    models = None
if models is None:
    print("\ndlib probe skipped: pip install dlib-bin==20.0.1.post1 face-recognition-models==0.3.0 into the venv")
    sys.exit(0)

models_dir = Path(models.submodule_search_locations[0]) / "models"
shape_of = dlib.shape_predictor(str(models_dir / "shape_predictor_5_face_landmarks.dat"))
describe = dlib.face_recognition_model_v1(str(models_dir / "dlib_face_recognition_resnet_model_v1.dat"))
find = dlib.get_frontal_face_detector()


found_by_dlib: list[bool] = []


def descriptor(pixels: np.ndarray) -> np.ndarray:
    """dlib's own alignment (5 landmarks, a 150 px chip) inside a 200x200 face; its middle when dlib finds none."""
    found = find(pixels, 1)
    found_by_dlib.append(bool(found))
    box = max(found, key=lambda r: r.area()) if found else dlib.rectangle(36, 44, 164, 172)
    chip = dlib.get_face_chip(pixels, shape_of(pixels, box), 150, 0.25)
    return np.array(describe.compute_face_descriptor(chip, 0))


utkface, _ = load_utkface(cfg.utkface, cfg.cache_dir, progress=False)  # decoded once, cached
train_names = _labels(json.loads(Path(cfg.split_file).read_text())["train"]).even_sample(cfg.train_faces).names
d_train = np.stack([descriptor(image) for image in utkface.subset(train_names).images])
d_val = np.stack([descriptor(image) for image in utkface.subset(val_names).images])
found_by_dlib.clear()
d_wild = np.stack([descriptor(cut) for cut in cuts])
print(f"\ndlib's detector finds a face in {np.mean(found_by_dlib):.2f} of FairFace's cuts (the rest: a fixed box)")
clean = train.female[: len(train_names)] == 1
for l2 in (1e-3, 1e-2):
    dhead = fit_logistic(d_train, clean, l2=l2)
    print(
        f"\ndlib descriptor, head on UTKFace train (l2 {l2}): UTKFace val {((dhead(d_val) > 0) == (val.female == 1)).mean():.3f}"
    )
    report("  FairFace", dhead(d_wild))
