"""Rebuild a shipped model from ../shared/data with one command: every stage its recipe names, in order.

    PYTHONPATH=training training/.venv/bin/python -m agegender_train.build --recipe training/recipes/v10.json [--resume]

1. `npm run cut:faces`: every labelled real photo's largest face, as the app cuts it (the recipe's "cut" section: the
   detector's windows around the photo and its bar for faces that fill it; cached by detector, options and labels).
2. train.py: the backbone, as the recipe's TrainConfig fields say (distilling its teacher), into its out_dir;
   --resume continues a killed run from its last epoch.
3. export.py: the trained model as tfjs in OUT_DIR/tfjs, with a card (UTKFace metrics, the shift benchmark).
4. real_photos.py: the heads and their calibration per kind of photo, fitted on real photos (the recipe's "heads"
   section), then the model, its card and the real photos' test parts through the app (bench:real-photos --part
   test, beside the model the run started from) in the recipe's "ship_to" folder.

The card written last records this command and the recipe.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from . import export, real_photos, train
from .config import TrainConfig, load_recipe

REPO_ROOT = Path(__file__).resolve().parents[2]


def _flags(section: dict) -> list[str]:
    """A recipe section's fields as the flags of its stage's parser (--field value, --flag / --no-flag, --list a,b)."""
    argv = []
    for key, value in section.items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else f"--no-{flag[2:]}")
        else:
            argv += [flag, ",".join(map(str, value)) if isinstance(value, list) else str(value)]
    return argv


def stages(recipe_path: str, resume: bool, progress: bool, ship_to: str = "") -> list[tuple[str, list[str]]]:
    """Each stage's name and command line (a module's argv, or npm's), as the recipe gives them."""
    recipe = json.loads(Path(recipe_path).read_text())
    cfg = TrainConfig(**load_recipe(recipe_path))
    heads, shipping = recipe["heads"], recipe["export"]
    tfjs = f"{cfg.out_dir}/tfjs"
    run_flags = (["--resume"] if resume else []) + ([] if progress else ["--no-progress"])
    return [
        (
            "cut:faces",
            ["npm", "run", "--silent", "cut:faces", "--", "--out", cfg.real_faces, *_flags(recipe.get("cut", {}))],
        ),
        ("train", ["--recipe", recipe_path, *run_flags]),
        ("export", ["--run", cfg.out_dir, "--out", tfjs, "--quantize", shipping["quantize"], "--no-real-photos"]),
        (
            "heads",
            [
                "--model",
                f"{tfjs}/model.json",
                "--out",
                ship_to or shipping["ship_to"],
                "--export",
                "--before",
                cfg.init_from,
                "--build-command",
                command(recipe_path),
                # the data the training stage read
                "--faces-dir",
                cfg.real_faces,
                "--real-split",
                cfg.real_split,
                "--utkface",
                cfg.data,
                "--split-file",
                cfg.split_file,
                "--alignment-jitter",
                cfg.alignment_jitter,
                *_flags(heads),
                *([] if progress else ["--no-progress"]),
            ],
        ),  # fmt: skip
    ]


def command(recipe_path: str) -> str:
    return f"PYTHONPATH=training training/.venv/bin/python -m agegender_train.build --recipe {recipe_path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", required=True, help="training/recipes/NAME.json with heads and export sections")
    parser.add_argument("--resume", action="store_true", help="continue the training stage from its checkpoint")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--ship-to", default="", help="where the last stage writes the model (a candidate not yet judged)"
    )
    args = parser.parse_args(argv)
    try:
        plan = stages(args.recipe, args.resume, args.progress, args.ship_to)
    except (OSError, KeyError, ValueError) as e:
        parser.error(f"cannot read --recipe {args.recipe}: {e} (a build recipe has heads and export sections)")
    runners = {"train": train.main, "export": export.main, "heads": real_photos.main}
    for i, (name, stage_argv) in enumerate(plan, 1):
        print(f"== stage {i}/{len(plan)}: {name}", flush=True)
        if name in runners:
            status = runners[name](stage_argv)
        else:
            status = subprocess.run(stage_argv, cwd=REPO_ROOT).returncode
        if status:
            print(f"error: stage {name} failed (exit status {status})", file=sys.stderr)
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
