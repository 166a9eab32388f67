"""The exported tfjs model, run by the real CLI (tfjs WASM backend in Node, src/lib preprocessing and
calibration), gives what PyTorch gives on the same image files."""

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURE_FACES, random_tiny_model, run_cli
from PIL import Image

from agegender_train.calibration import Calibration, IntervalBand, predictions
from agegender_train.config import GENDER_UNCERTAIN, TrainConfig
from agegender_train.dataset import FaceSet
from agegender_train.export import export_tfjs
from agegender_train.inference import run_model

# Stated tolerances: the CLI prints age to 0.1 year and probabilities to 1e-4; float32 arithmetic in
# two frameworks differs far below that. float16 weights add their own error.
TOLERANCE = {
    "none": {"age": 0.06, "female_probability": 2e-4, "interval": 0.06},
    "float16": {"age": 0.5, "female_probability": 5e-3, "interval": 0.5},
    "uint8": {"age": 3.0, "female_probability": 0.05, "interval": 3.0},
}
TOLERANCE["uint8-small"] = TOLERANCE["uint8"]


def _images(folder: Path) -> list[Path]:
    """PNG copies of the fixture faces (lossless, so both sides decode the same pixels), some resized."""
    folder.mkdir()
    paths = []
    for i, src in enumerate(sorted(FIXTURE_FACES.glob("*.chip.jpg"))):
        image = Image.open(src).convert("RGB")
        if i % 3 == 1:
            image = image.resize((150, 171))
        paths.append(folder / f"face{i}.png")
        image.save(paths[-1])
    return paths


@pytest.mark.parametrize(
    "quantize,flip_average",
    [("none", False), ("none", True), ("float16", True), ("uint8", True), ("uint8-small", False)],
)
def test_cli_matches_pytorch(tmp_path: Path, node_ready: None, quantize: str, flip_average: bool) -> None:
    cfg = TrainConfig(arch="tiny", input_size=48, pretrained=False)
    model = random_tiny_model(cfg.input_size)
    # Two bands of predicted age, so that the browser's choice of band is checked too.
    calibration = Calibration(
        coverage=0.9,
        temperature=1.3,
        min_spread=1.0,
        interval_bands=[IntervalBand(0.0, 0.3, 100), IntervalBand(40.0, 0.05, 100)],
    )
    export_tfjs(model, cfg, calibration.to_dict(), flip_average, tmp_path / "model", quantize)
    paths = _images(tmp_path / "images")

    if quantize == "uint8-small":  # written without the fields only training reads
        assert "_initializer" not in (tmp_path / "model" / "model.json").read_text()
    result = run_cli("--crop", "--format", "json", "--model", str(tmp_path / "model" / "model.json"), *map(str, paths))
    assert result.returncode == 0, result.stderr
    rows = {Path(r["path"]).name: r for r in json.loads(result.stdout)}

    tol = TOLERANCE[quantize]
    ages = []
    for path in paths:
        face = FaceSet([path.name], np.asarray(Image.open(path))[None], *np.zeros((3, 1), np.int64))
        expected = predictions(*run_model(model, face, cfg.input_size, flip_average), calibration)
        row = rows[path.name]
        ages.append(expected["age"][0])
        assert row["age"] == pytest.approx(expected["age"][0], abs=tol["age"]), path.name
        assert row["female_probability"] == pytest.approx(
            expected["female_probability"][0], abs=tol["female_probability"]
        )
        assert row["age_low"] == pytest.approx(expected["age_low"][0], abs=tol["interval"])
        assert row["age_high"] == pytest.approx(expected["age_high"][0], abs=tol["interval"])
        p = expected["female_probability"][0]
        if all(abs(p - edge) > tol["female_probability"] for edge in (GENDER_UNCERTAIN[0], 0.5, GENDER_UNCERTAIN[1])):
            # (else quantization may move it across an edge)
            assert row["gender"] == (
                "uncertain" if GENDER_UNCERTAIN[0] < p < GENDER_UNCERTAIN[1] else "female" if p >= 0.5 else "male"
            )
    assert np.ptp(ages) > 1.0, "the random model should give different ages to different faces"
