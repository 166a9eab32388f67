"""Export a trained model.pt to a tfjs-layers model plus its model card.

    PYTHONPATH=training training/.venv/bin/python -m agegender_train.export --run training/runs/v6 --quantize uint8

Writes the weights in tfjs layouts (weights.json + weights.bin) to a temporary folder, has
training/tfjs_export/export.ts (Node, tfjs's own serializer) turn them into model.json + weights.bin
in --out, and writes model-card.json beside them.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from .config import TrainConfig
from .data_terms import REAL_MIX_SETS, inherited_sets, license_section
from .dataset import parse_utkface_name
from .inference import load_trained
from .metrics import label_distribution
from .model import ARCHITECTURES, PIXEL_MEAN, PIXEL_STD, AgeGenderNet, imagenet_weights_note, tfjs_layer_weights
from .train import local_model

REPO_ROOT = Path(__file__).resolve().parents[2]
# Batch-norm statistics are written as float16 (largest value 65504); equalizing keeps them well below.
FLOAT16_HEADROOM = 3e4


@torch.no_grad()
def equalize_kernel_ranges(model: AgeGenderNet) -> AgeGenderNet:
    """A copy of `model` computing the same function, each convolution's output channels scaled to the range of its widest.

    tfjs stores an 8-bit kernel as 256 levels between the tensor's min and max, one range for all its output
    channels: a channel whose weights span a twentieth of that range keeps about 13 levels. Every convolution feeds
    a batch norm, so multiplying channel o by s and the norm's running mean by s and its variance + eps by s^2
    changes nothing, and gives the channel all 256 levels. s is capped to keep those statistics inside float16.
    """
    model = copy.deepcopy(model)
    for conv, norm in model.conv_norm_pairs():
        assert norm.running_mean is not None and norm.running_var is not None
        reach = conv.weight.abs().flatten(1).amax(1).clamp_min(1e-12)
        cap = torch.minimum(
            torch.sqrt(FLOAT16_HEADROOM / (norm.running_var + norm.eps)),
            FLOAT16_HEADROOM / norm.running_mean.abs().clamp_min(1e-12),
        )
        scale = torch.minimum(reach.max() / reach, cap).clamp_min(1.0)
        conv.weight.mul_(scale.view(-1, 1, 1, 1))
        norm.running_mean.mul_(scale)
        norm.running_var.copy_(scale**2 * (norm.running_var + norm.eps) - norm.eps)
    return model


def write_tfjs_weights(
    model: AgeGenderNet, cfg: TrainConfig, calibration: dict, flip_average: bool, folder: Path
) -> None:
    layers, chunks, offset = {}, [], 0
    for name, arrays in tfjs_layer_weights(model).items():
        layers[name] = []
        for a in arrays:
            layers[name].append({"shape": list(a.shape), "offset": offset})
            chunks.append(a.ravel())
            offset += a.size
    metadata = {
        "inputSize": cfg.input_size,
        "pixelMean": PIXEL_MEAN,
        "pixelStd": PIXEL_STD,
        "maxAge": cfg.max_age,
        "flipAverage": flip_average,
        "calibration": calibration,
    }
    (folder / "weights.json").write_text(
        json.dumps({"architecture": ARCHITECTURES[cfg.arch].to_dict(), "metadata": metadata, "layers": layers})
    )
    np.concatenate(chunks).astype("<f4").tofile(folder / "weights.bin")


def export_tfjs(
    model: AgeGenderNet,
    cfg: TrainConfig,
    calibration: dict,
    flip_average: bool,
    out: Path,
    quantize: str,
    equalize: bool = True,
) -> None:
    """`equalize=False` for weights read back from an 8-bit export: they then re-encode to exactly the same bytes."""
    if quantize.startswith("uint8") and equalize:
        model = equalize_kernel_ranges(model)
    with tempfile.TemporaryDirectory() as tmp:
        write_tfjs_weights(model, cfg, calibration, flip_average, Path(tmp))
        subprocess.run(
            [
                "npx",
                "--no-install",
                "tsx",
                "training/tfjs_export/export.ts",
                "--weights",
                tmp,
                "--out",
                str(out.resolve()),
                "--quantize",
                quantize,
            ],
            cwd=REPO_ROOT,
            check=True,
        )
    # A card with the files' sums, so that the folder loads (the app refuses files its card does not vouch for)
    # before the full card, written after it by the caller, replaces it.
    (out / "model-card.json").write_text(json.dumps({"name": out.name, "size": size_section(out, quantize)}) + "\n")


def size_section(out: Path, quantize: str) -> dict:
    """The card's size section: each file's bytes and its sha256, checked when the model loads (a corrupted or
    truncated file is an error, never wrong ages)."""
    files = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.name in ("model.json", "weights.bin")}
    return {
        "files_bytes": files,
        "total_bytes": sum(files.values()),
        "weights": quantize,
        "sha256": {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in files},
    }


def metrics_note(train_faces: int, quantize: str) -> str:
    """What the card's metrics are: which faces, which weights."""
    return (
        f"Computed in PyTorch from the float32 weights with the shipped calibration, on the val and test parts and on an "
        f"even sample of {train_faces} faces of the train part; the exported weights are {quantize}. Through npm run predict "
        "(the exported weights) MAE, coverage and gender accuracy differ by up to a few hundredths, age bias and interval width "
        "by up to a quarter of a year; README.md gives the shipped models' test figures so measured."
    )


def split_distribution(split: dict) -> dict | None:
    """The labels of every face of each part, read from the split file's names (the run's metrics had the train
    part's evaluation sample only)."""
    parts = {name: [parse_utkface_name(n) for n in split[name]] for name in ("train", "val", "test") if split.get(name)}
    return {
        name: label_distribution(
            np.array([lab.age for lab in labels]),
            np.array([lab.gender for lab in labels]),
            np.array([lab.race for lab in labels]),
        )
        for name, labels in parts.items()
    } or None


def data_sets(cfg: TrainConfig) -> list[str]:
    """The data sets a run's weights were learnt from, directly or through the models it started from or distilled."""
    real = [REAL_MIX_SETS[name] for name in REAL_MIX_SETS if cfg.real_faces and cfg.real_mix.weight(name) > 0]
    ancestors = [inherited_sets(local_model(ref, cfg.cache_dir)) for ref in (cfg.init_from, cfg.teacher) if ref]
    return ["utkface", *(["imagenet"] if cfg.pretrained else []), *real, *(s for sets in ancestors for s in sets)]


def model_card(
    model: AgeGenderNet,
    cfg: TrainConfig,
    state: dict,
    metrics: dict,
    out: Path,
    quantize: str,
    export_command: str,
    recipe: str | None,
) -> dict:
    split = json.loads(Path(cfg.split_file).read_text()) if Path(cfg.split_file).exists() else {}
    command = "PYTHONPATH=training training/.venv/bin/python -m agegender_train.train " + " ".join(
        state.get("argv", [])
    )
    return {
        "name": out.name,  # agegender, or agegender-fast for the distilled one
        "description": f"Age (distribution over 0..{cfg.max_age} years, calibrated 90% interval) and gender (calibrated "
        "probability) from one aligned face crop.",
        "architecture": {
            "name": cfg.arch,
            "pretrained": imagenet_weights_note(cfg.arch) if cfg.pretrained else None,
            "input_size": cfg.input_size,
            "parameters": int(sum(p.numel() for p in model.parameters())),
        },
        "data": {
            "dataset": "UTKFace aligned & cropped faces (80% share given to developers)",
            "path": cfg.data,
            "summary": metrics["data"],
            "distribution": split_distribution(split) or metrics.get("distribution"),
        },
        "license": license_section(data_sets(cfg)),
        "split": {
            "file": cfg.split_file,
            "seed": split.get("seed"),
            "stratified_by": split.get("stratified_by"),
            "counts": split.get("counts"),
        },
        "training": {
            "recipe": recipe,
            "command": command,
            "distilled_from": cfg.teacher or None,
            # sha256 of the files started from and distilled, as read at training time (paths get reused)
            "sources": state.get("sources"),
            "trained_on": state.get("trained_on", "cpu"),
            "delivered_weights": state.get("delivered_weights", "moving average" if cfg.ema_decay else "raw"),
            "seed": cfg.seed,
            "config": cfg.to_dict(),
            "history": metrics["history"],
        },
        "export": {"command": export_command},
        "calibration": metrics["calibration"]
        | {
            "method": "normalised label-conditional split conformal: an age in band b is plausible if it lies within the "
            "distribution's 5%/95% quantiles widened (narrowed if scale_b < 0) on each side by scale_b times their distance (at least min_spread "
            "years); the interval spans the plausible ages; the scales, one per band of true age, are fitted together "
            "so that each band's calibration faces are covered at the conformal level; temperature scaling "
            f"of the gender logit; both fitted on the val part plus {cfg.calibration_copies} copies of it degraded at "
            "random as training faces are"
        },
        "inference": {"flip_average": metrics["flip_average"]},
        "metrics": metrics["splits"],
        "shift_benchmark": metrics.get("shift"),
        "metrics_note": metrics_note(metrics["splits"]["train"]["overall"]["n"], quantize),
        "size": size_section(out, quantize),
    }


# face-api.js on the same test parts through the same bench (its own detector and age/gender net), measured once and
# kept: its models never change. Cards show it beside ours where the file is there.
FACE_API_REAL_PHOTOS = "training/benchmarks/face-api-real-photos-test.json"
FACE_API_COMMAND = f"npm run bench:real-photos -- --part test --face-api --json {FACE_API_REAL_PHOTOS}"


def face_api_real_photos(split: str) -> dict:
    """{"face_api": face-api.js's report on the test parts of `split`, in the card's terms, with its command}, or {}
    where the kept report is missing or was measured on another split or part."""
    path = REPO_ROOT / FACE_API_REAL_PHOTOS
    if not path.exists():
        return {}
    r = json.loads(path.read_text())
    if (REPO_ROOT / r.get("split", "")).resolve() != (REPO_ROOT / split).resolve() or r.get("part") != "test":
        return {}
    return {"face_api": real_photo_terms(r) | {"command": FACE_API_COMMAND}}


def real_photo_bench(model_json: str, split: str) -> dict:
    """npm run bench:real-photos on the split's test parts, in the card's terms (src/lib/modelCard.ts:
    RealPhotoReport)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = ["npm", "run", "--silent", "bench:real-photos", "--", "--model", model_json, "--part", "test"]
        subprocess.run([*command, "--split", split, "--json", str(report)], cwd=REPO_ROOT, check=True)
        return real_photo_terms(json.loads(report.read_text()))


def real_photo_terms(r: dict) -> dict:
    """bench:real-photos's --json report in the card's terms."""

    def age(m: dict) -> dict:
        return {k: m[key] for k, key in (("n", "n"), ("mae", "mae"), ("bias", "bias"), ("coverage", "coverage"),
                                           ("width", "width"), ("read_as_scan", "readAsScan"))}  # fmt: skip

    def ages(m: dict) -> dict:
        return {"photos": m["photos"], "face_found": m["faceFound"], "overall": age(m["overall"]),
                "by_age_band": {b: age(band) for b, band in m["byAgeBand"].items()}}  # fmt: skip

    def wild(m: dict) -> dict:
        return {
            "photos": m["photos"],
            "face_found": m["faceFound"],
            "gender": m["gender"],
            "gender_with_misses": m["genderWithMisses"],
            "gender_by_race": m["genderByRace"],
            "sure_share": m["sureShare"],
            "sure_accuracy": m["sureAccuracy"],
            "adult_women_read_as_men": m["adultWomenReadAsMen"],
            "age_group_accuracy": m["ageGroupAccuracy"],
            "read_as_scan": m["readAsScan"],
            "uncertain_band": r["uncertain_band"],
        }

    out = {"old_scans": ages(r["old_scans"]), "wild_photos": wild(r["wild_photos"])}
    if "fairface" in r:
        out["fairface"] = wild(r["fairface"])
    if "everyday_photos" in r:
        m = r["everyday_photos"]
        out["everyday_photos"] = ages(m) | {"gender": m["gender"], "gender_with_misses": m["genderWithMisses"]}
    return out


def held_out_real_photos(cfg: TrainConfig, model_json: Path) -> dict:
    """The real photos' test parts, through the app's pipeline: this model, and the one it started from."""
    split = cfg.real_split
    before = local_model(cfg.init_from, cfg.cache_dir) if cfg.init_from else None
    return {
        "note": f"The test parts of {split} (FG-NET dev by person; FairFace dev, FairFace and All-Age-Faces by photo), never trained on, through "
        f"npm run bench:real-photos -- --part test; 'before' is the model the run started from ({cfg.init_from}).",
        "out_of_fold": real_photo_bench(str(model_json.resolve()), split),
        **({"before": real_photo_bench(str(Path(before).resolve()), split)} if before else {}),
        **face_api_real_photos(split),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", required=True, help="training output folder with model.pt and metrics.json")
    parser.add_argument("--out", default="public/models/agegender")
    parser.add_argument(
        "--quantize",
        choices=["none", "float16", "uint8", "uint8-small"],
        default="float16",
        help="uint8: conv and dense kernels in 8 bits, each convolution's channels first scaled to one range "
        "(equalize_kernel_ranges); uint8-small: depthwise kernels in 8 bits too, batch norm statistics folded, "
        "a leaner model.json (training/tfjs_export/export.ts); for the fast model's 1 MB",
    )
    parser.add_argument(
        "--recipe", default="", help="the training/recipes/ file the run followed, if it was not run with --recipe"
    )
    parser.add_argument(
        "--real-photos",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="for a run trained on real photos: run npm run bench:real-photos on the test parts with the exported "
        "model and with the one it started from, into the card (needs ../shared/data/real-photos)",
    )
    args = parser.parse_args(argv)
    run, out = Path(args.run), Path(args.out)
    model, cfg, state = load_trained(run / "model.pt")
    metrics = json.loads((run / "metrics.json").read_text())
    export_tfjs(model, cfg, metrics["calibration"], metrics["flip_average"], out, args.quantize)
    export_command = (
        "PYTHONPATH=training training/.venv/bin/python -m agegender_train.export "
        f"--run {args.run} --out {args.out} --quantize {args.quantize}"
        + (f" --recipe {args.recipe}" if args.recipe else "")
    )
    card = model_card(model, cfg, state, metrics, out, args.quantize, export_command, cfg.recipe or args.recipe or None)
    if cfg.real_faces and args.real_photos:
        card["real_photos"] = held_out_real_photos(cfg, out / "model.json")
    (out / "model-card.json").write_text(json.dumps(card, indent=1) + "\n")
    print(f"wrote {out / 'model-card.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
