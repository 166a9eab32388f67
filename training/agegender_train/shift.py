"""The shift benchmark: how a model holds up on faces that look like users' photos, not UTKFace chips.

    PYTHONPATH=training training/.venv/bin/python -m agegender_train.shift --run training/runs/NAME
    PYTHONPATH=training training/.venv/bin/python -m agegender_train.shift --tfjs public/models/agegender/model.json

Each condition of degrade.CONDITIONS (old scans, grain, blur, small faces, JPEG, colour casts, dim
light, occlusion, tilted, off-centre and turned faces, the cut of detection + alignment) is applied
at a fixed strength, with fixed random draws, to every face of a part of our split (val by default:
choices are made on it; the test part is for a last look). For each condition: age MAE, mean signed
error (bias), 90% interval coverage per age band, width, gender accuracy overall, for adults and per
gender, the calibration error of the gender probability, and the share of faces called "uncertain".

--run evaluates a training run's model.pt with its metrics.json calibration; --tfjs an exported
model (the shipped one, say) with the calibration inside it, so the model before a change can be
measured the same way as the one after it. Prints a table and writes JSON (--out).

--compare BEFORE AFTER runs nothing: it reads two results (a model card, a run's metrics.json, or a
file written by --out), prints each condition's figures before -> after, and counts the conditions
where the age error fell or rose and those that miss what issue 10 asks under every condition
(ShiftBars): how a new model is judged against the shipped one.

    PYTHONPATH=training training/.venv/bin/python -m agegender_train.shift --compare public/models/agegender/model-card.json training/runs/NAME/metrics.json
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from .calibration import Calibration, predictions
from .config import GENDER_UNCERTAIN, GENDERS, TrainConfig, age_band
from .dataset import FaceSet, load_utkface
from .degrade import CONDITIONS, Condition
from .inference import load_trained, run_model
from .metrics import expected_calibration_error, group_metrics
from .model import AgeGenderNet
from .preprocess import degrade_for_benchmark, load_alignment_jitter
from .split import load_or_make_split

ADULT_AGE = 19
BENCHMARK_SEED = 2024


def shift_metrics(pred: dict[str, np.ndarray], ages: np.ndarray, genders: np.ndarray) -> dict:
    """The figures of one condition; coverage per age band only where a band has at least 30 faces."""
    m: dict = group_metrics(pred["age"], pred["age_low"], pred["age_high"], pred["female_probability"], ages, genders)
    p, female = pred["female_probability"], genders == 1
    correct = (p >= 0.5) == female
    adult = ages >= ADULT_AGE
    m |= {
        "age_bias": float((pred["age"] - ages).mean()),
        "gender_accuracy_adult": float(correct[adult].mean()),
        **{f"gender_accuracy_{g}": float(correct[genders == i].mean()) for i, g in enumerate(GENDERS)},
        "gender_ece_adult": expected_calibration_error(p[adult], genders[adult]),
        "gender_uncertain": float(((p > GENDER_UNCERTAIN[0]) & (p < GENDER_UNCERTAIN[1])).mean()),
    }
    covered = (ages >= pred["age_low"]) & (ages <= pred["age_high"])
    bands = np.array([age_band(int(a)) for a in ages])
    m["coverage_by_age_band"] = {
        b: float(covered[bands == b].mean()) for b in dict.fromkeys(bands) if (bands == b).sum() >= 30
    }
    m["bias_by_age_band"] = {b: float((pred["age"] - ages)[bands == b].mean()) for b in m["coverage_by_age_band"]}
    return m


def condition_outputs(
    model: AgeGenderNet,
    faces: FaceSet,
    condition: Condition,
    size: int,
    flip_average: bool,
    jitter: np.ndarray | None,
    batch_size: int = 128,
) -> tuple[np.ndarray, np.ndarray]:
    return run_model(
        model,
        faces,
        size,
        flip_average,
        batch_size,
        inputs=lambda images, start: degrade_for_benchmark(images, condition, size, BENCHMARK_SEED + start, jitter),
    )


def shift_benchmark(
    model: AgeGenderNet,
    faces: FaceSet,
    size: int,
    flip_average: bool,
    calibration: Calibration,
    jitter: np.ndarray | None,
    progress: bool = True,
) -> dict[str, dict]:
    """Every condition's figures, keyed by its name, in CONDITIONS order."""
    report = {}
    for condition in tqdm(CONDITIONS, desc="shift benchmark", disable=not progress, unit="condition"):
        probs, logits = condition_outputs(model, faces, condition, size, flip_average, jitter)
        report[condition.name] = shift_metrics(predictions(probs, logits, calibration), faces.ages, faces.genders)
    return report


def format_table(report: dict[str, dict]) -> str:
    lines = [
        f"{'condition':<26} {'MAE':>5} {'bias':>6} {'cover':>6} {'band min-max':>12} {'width':>6} {'gender':>6} "
        f"{'adult':>6} {'female':>6} {'male':>6} {'ECE':>6} {'unsure':>6}"
    ]
    for name, m in report.items():
        bands = m["coverage_by_age_band"].values()
        spread = f"{min(bands):5.2f}-{max(bands):<6.2f}" if bands else f"{'-':>12}"
        lines.append(
            f"{name:<26} {m['age_mae']:5.2f} {m['age_bias']:+6.2f} {m['interval_coverage']:6.3f} "
            f"{spread} {m['interval_width']:6.1f} {m['gender_accuracy']:6.3f} "
            f"{m['gender_accuracy_adult']:6.3f} {m['gender_accuracy_female']:6.3f} {m['gender_accuracy_male']:6.3f} "
            f"{m['gender_ece']:6.3f} {m['gender_uncertain']:6.3f}"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class ShiftBars:
    """What must hold under every condition of the benchmark (issue 10)."""

    max_abs_bias: float = 1.0
    min_coverage: float = 0.87
    min_adult_gender: float = 0.90

    def misses(self, m: dict) -> list[str]:
        return [
            name
            for name, missed in (
                ("bias", abs(m["age_bias"]) > self.max_abs_bias),
                ("coverage", m["interval_coverage"] < self.min_coverage),
                ("adult gender", m["gender_accuracy_adult"] < self.min_adult_gender),
            )
            if missed
        ]


def shift_conditions(path: str) -> dict[str, dict]:
    """The per-condition figures of a model card (shift_benchmark), a run's metrics.json (shift) or an --out file."""
    data = json.loads(Path(path).read_text())
    for found in (data.get("shift_benchmark"), data.get("shift"), data):
        if isinstance(found, dict) and isinstance(found.get("conditions"), dict):
            return found["conditions"]
    raise ValueError(f"{path} holds no shift benchmark (shift_benchmark.conditions, shift.conditions or conditions)")


def compare_table(before: dict[str, dict], after: dict[str, dict], bars: ShiftBars = ShiftBars()) -> str:
    """Each condition both hold, before -> after, then what changed and what misses the bars."""
    names = [n for n in before if n in after]
    if not names:
        raise ValueError("the two results share no condition")
    arrow = lambda key, fmt: lambda n: f"{before[n][key]:{fmt}}->{after[n][key]:{fmt}}"
    columns = [
        ("MAE", arrow("age_mae", ".2f")),
        ("bias", arrow("age_bias", "+.2f")),
        ("cover", arrow("interval_coverage", ".3f")),
        ("width", arrow("interval_width", ".1f")),
        ("adult", arrow("gender_accuracy_adult", ".3f")),
    ]
    lines = [f"{'condition':<26} " + " ".join(f"{title:<13}" for title, _ in columns)]
    lines += [f"{n:<26} " + " ".join(f"{cell(n):<13}" for _, cell in columns) for n in names]
    change = [after[n]["age_mae"] - before[n]["age_mae"] for n in names]
    lines.append(
        f"age MAE lower under {sum(c < 0 for c in change)}, higher under {sum(c > 0 for c in change)}, "
        f"equal under {sum(c == 0 for c in change)} of {len(names)} conditions"
    )
    for label, result in (("before", before), ("after", after)):
        missed = {n: m for n in names if (m := bars.misses(result[n]))}
        lines.append(
            f"{label}: {len(missed)} of {len(names)} conditions miss |bias| <= {bars.max_abs_bias}, coverage >= "
            f"{bars.min_coverage} or adult gender >= {bars.min_adult_gender}"
            + (": " + "; ".join(f"{n} ({', '.join(m)})" for n, m in missed.items()) if missed else "")
        )
    only = sorted(set(before) ^ set(after))
    if only:
        lines.append("in one result only: " + ", ".join(only))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--run", help="training output folder with model.pt and metrics.json")
    which.add_argument("--tfjs", help="an exported model.json (its weights, calibration and flip averaging)")
    which.add_argument(
        "--compare",
        nargs=2,
        metavar=("BEFORE", "AFTER"),
        help="compare two results (model card, a run's metrics.json, or an --out file); runs no model",
    )
    parser.add_argument("--part", choices=["val", "test"], default="val")
    parser.add_argument(
        "--faces",
        type=int,
        default=TrainConfig.shift_faces,
        help="an even sample of this many faces of the part (0: all)",
    )
    parser.add_argument(
        "--out", help="JSON file to write (default: shift-<part>.json in the run folder, or print only)"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    if args.compare:
        try:
            print(compare_table(*(shift_conditions(path) for path in args.compare)))
        except (OSError, ValueError, KeyError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        return 0
    torch.set_num_threads(args.threads)
    cfg = TrainConfig()
    if args.run:
        model, cfg, _ = load_trained(Path(args.run) / "model.pt")
        metrics = json.loads((Path(args.run) / "metrics.json").read_text())
        calibration, flip, size = Calibration.from_dict(metrics["calibration"]), metrics["flip_average"], cfg.input_size
    else:
        from .tfjs_import import load_tfjs_model

        model, meta = load_tfjs_model(args.tfjs)
        model = model.to(memory_format=torch.channels_last)  # 2-3x faster convolutions on the CPU
        calibration, flip, size = Calibration.from_any(meta["calibration"]), meta["flipAverage"], meta["inputSize"]
    faces, _ = load_utkface(cfg.data, cfg.cache_dir, args.progress)
    split = load_or_make_split(cfg.split_file, faces, cfg.val_fraction, cfg.test_fraction, cfg.seed)
    jitter = load_alignment_jitter(cfg.alignment_jitter) if cfg.alignment_jitter else None
    sample = faces.subset(split[args.part]).even_sample(args.faces)
    report = shift_benchmark(model, sample, size, flip, calibration, jitter, args.progress)
    print(f"shift benchmark, {args.part} part ({len(sample)} faces per condition)")
    print(format_table(report))
    out = Path(args.out) if args.out else (Path(args.run) / f"shift-{args.part}.json" if args.run else None)
    if out:
        out.write_text(json.dumps({"part": args.part, "faces": len(sample), "conditions": report}, indent=1))
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
