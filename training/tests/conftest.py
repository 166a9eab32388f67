from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from agegender_train.model import AgeGenderNet
from agegender_train.preprocess import to_model_input

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_FACES = REPO_ROOT / "e2e" / "fixtures" / "faces"
SHARED_UTKFACE = REPO_ROOT.parent / "shared" / "data" / "UTKFace"


@pytest.fixture(scope="session")
def node_ready() -> None:
    if shutil.which("npx") is None or not (REPO_ROOT / "node_modules" / ".bin" / "tsx").exists():
        pytest.skip("Node dependencies are not installed: run `npm ci` at the repository root")


def fixture_face_pixels() -> np.ndarray:
    """The eight fixture chips (e2e/fixtures/faces), uint8 [8, 200, 200, 3], in name order."""
    return np.stack([np.asarray(Image.open(p).convert("RGB")) for p in sorted(FIXTURE_FACES.glob("*.chip.jpg"))])


def random_tiny_model(input_size: int, seed: int = 0) -> AgeGenderNet:
    """A tiny AgeGenderNet with random weights whose batch-norm statistics come from the fixture faces
    (so activations neither die nor saturate) and whose heads are strong enough to tell faces apart."""
    torch.manual_seed(seed)
    model = AgeGenderNet("tiny", max_age=100)
    faces = fixture_face_pixels()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = None  # cumulative average over the calibration pass
    with torch.no_grad():
        model.train()(to_model_input(faces, input_size))
        model.age_head.weight.mul_(30)
        model.gender_head.weight.mul_(30)
    return model.eval()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["npx", "--no-install", "tsx", "src/cli/predict.ts", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def make_utkface_folder(folder: Path, count: int) -> Path:
    """A small UTKFace-style folder: real faces from ../shared if present, else variations of the fixtures."""
    folder.mkdir(parents=True, exist_ok=True)
    if SHARED_UTKFACE.is_dir():
        names = sorted(p.name for p in SHARED_UTKFACE.iterdir() if p.name.endswith(".chip.jpg"))[::97][:count]
        for name in names:
            shutil.copy(SHARED_UTKFACE / name, folder / name)
        return folder
    rng = np.random.default_rng(0)
    fixtures = sorted(FIXTURE_FACES.glob("*.chip.jpg"))
    for i in range(count):
        src = fixtures[i % len(fixtures)]
        age, gender, race = src.name.split("_")[:3]
        pixels = np.asarray(Image.open(src).convert("RGB"), dtype=np.int16) + rng.integers(-12, 13, (200, 200, 3))
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        if i % 2:
            image = image.transpose(Image.FLIP_LEFT_RIGHT)
        image.save(folder / f"{age}_{gender}_{race}_2017010{i:010d}.jpg.chip.jpg", quality=92)
    return folder


def tiny_run_args(data: Path, tmp_path: Path, out_dir: Path, batch_size: int = 8) -> list[str]:
    """train.py flags for a run of the tiny network at 48 px on `data`, half of it held out as val and test;
    each test adds what it is about."""
    return [
        "--data", str(data), "--split-file", str(tmp_path / "split.json"), "--out-dir", str(out_dir),
        "--cache-dir", str(tmp_path / "cache"), "--arch", "tiny", "--no-pretrained", "--input-size", "48",
        "--batch-size", str(batch_size), "--val-fraction", "0.25", "--test-fraction", "0.25", "--no-progress",
    ]  # fmt: skip
