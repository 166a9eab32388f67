"""Calibrate a trained AgeGenderNet on the validation part and report every split.

    PYTHONPATH=training training/.venv/bin/python -m agegender_train.evaluate --run training/runs/v6

Training ends by doing this; run it again to re-evaluate a model.pt (e.g. with --no-flip-average).
Writes metrics.json in the run folder: the calibration (fitted on val and degraded copies of it),
metrics overall and per age band, gender and race for train, val and test, and the shift benchmark
on val (shift.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from .calibration import fit_calibration, predictions
from .config import TrainConfig
from .dataset import FaceSet, load_utkface
from .inference import degraded_inputs, load_trained, run_model
from .metrics import evaluation_report
from .model import AgeGenderNet
from .preprocess import load_alignment_jitter
from .shift import format_table, shift_benchmark
from .split import load_or_make_split


def degraded_copies(
    model: AgeGenderNet, faces: FaceSet, cfg: TrainConfig, flip_average: bool, jitter: np.ndarray | None, progress: bool
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Outputs on cfg.calibration_copies copies of `faces`, each degraded and cut at random (inference.degraded_inputs)."""
    return [
        run_model(
            model,
            faces,
            cfg.input_size,
            flip_average,
            progress=progress,
            desc=f"degraded copy {k + 1}",
            inputs=degraded_inputs(cfg.input_size, cfg.seed, k, jitter),
        )
        for k in range(cfg.calibration_copies)
    ]


def evaluate_and_save(
    run: Path,
    model: AgeGenderNet,
    cfg: TrainConfig,
    parts: dict[str, FaceSet],
    data_summary: str,
    flip_average: bool,
    progress: bool,
) -> dict:
    """Fit the calibration on parts['val'] and its degraded copies, report every part with it (the train part
    on a sample of cfg.eval_train_faces), run the shift benchmark on cfg.shift_faces val faces, and write
    run/metrics.json."""
    parts = parts | {"train": parts["train"].even_sample(cfg.eval_train_faces)}
    outputs = {
        name: run_model(model, faces, cfg.input_size, flip_average, progress=progress, desc=f"evaluating {name}")
        for name, faces in parts.items()
    }
    val = parts["val"]
    jitter = load_alignment_jitter(cfg.alignment_jitter) if cfg.alignment_jitter else None
    calibration_set = [outputs["val"], *degraded_copies(model, val, cfg, flip_average, jitter, progress)]
    copies = len(calibration_set)
    calibration = fit_calibration(
        np.concatenate([p for p, _ in calibration_set]),
        np.concatenate([g for _, g in calibration_set]),
        np.tile(val.ages, copies),
        np.tile(val.genders, copies),
        cfg.interval_coverage,
    )
    splits = {
        name: evaluation_report(predictions(*outputs[name], calibration), faces.ages, faces.genders, faces.races)
        for name, faces in parts.items()
    }
    shift_faces = val.even_sample(cfg.shift_faces)
    shift = shift_benchmark(model, shift_faces, cfg.input_size, flip_average, calibration, jitter, progress)
    log = run / "log.jsonl"
    history = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    result = {
        "calibration": calibration.to_dict(),
        "flip_average": flip_average,
        "splits": splits,
        "shift": {"part": "val", "faces": len(shift_faces), "conditions": shift},
        "history": history,
        "data": data_summary,
    }
    (run / "metrics.json").write_text(json.dumps(result, indent=1))
    for name, m in splits.items():
        o = m["overall"]
        print(
            f"{name}: n={o['n']} age MAE {o['age_mae']:.2f} gender acc {o['gender_accuracy']:.3f} "
            f"interval coverage {o['interval_coverage']:.3f} width {o['interval_width']:.1f} gender ECE {o['gender_ece']:.3f}"
        )
    print("shift benchmark, val part:\n" + format_table(shift))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", required=True, help="training output folder with model.pt")
    parser.add_argument(
        "--flip-average",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="average each face with its mirror image (default: as trained)",
    )
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    run = Path(args.run)
    model, cfg, _ = load_trained(run / "model.pt")
    torch.set_num_threads(cfg.threads)
    faces, report = load_utkface(cfg.data, cfg.cache_dir, args.progress)
    split = load_or_make_split(cfg.split_file, faces, cfg.val_fraction, cfg.test_fraction, cfg.seed)
    parts = {name: faces.subset(names) for name, names in split.items()}
    flip = cfg.flip_average if args.flip_average is None else args.flip_average
    evaluate_and_save(run, model, cfg, parts, report.summary(), flip, args.progress)
    return 0


if __name__ == "__main__":
    sys.exit(main())
