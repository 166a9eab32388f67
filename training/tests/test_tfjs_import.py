"""tfjs_import.load_tfjs_model gives back, from an exported model.json, the network that was exported."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import FIXTURE_FACES, REPO_ROOT, fixture_face_pixels, random_tiny_model, run_cli
from PIL import Image

from agegender_train.calibration import expected_age
from agegender_train.config import TrainConfig
from agegender_train.dataset import FaceSet
from agegender_train.export import equalize_kernel_ranges, export_tfjs
from agegender_train.inference import run_model
from agegender_train.model import AgeGenderNet, tfjs_layer_weights
from agegender_train.preprocess import to_model_input
from agegender_train.tfjs_import import load_tfjs_model

SHIPPED = REPO_ROOT / "public" / "models" / "agegender" / "model.json"
CALIBRATION = {"coverage": 0.9, "temperature": 1.3, "interval_margin": 1.5}  # passed through to the metadata as is
# uint8: each conv/dense kernel is rounded to 256 levels between its min and max, so every weight is off
# by up to half a step, (max - min) / 510. The parity test lets the tfjs side of the same uint8 model
# differ from float PyTorch by 3 years and 0.05 in probability on these faces; this is the same error
# measured without tfjs, so the same budget applies.
UINT8_TOLERANCE = {"age": 3.0, "female_probability": 0.05}


def _outputs(model: torch.nn.Module, size: int) -> tuple[np.ndarray, np.ndarray]:
    with torch.no_grad():
        age_logits, female_logits = model(to_model_input(fixture_face_pixels(), size))
    return expected_age(torch.softmax(age_logits.double(), 1).numpy()), torch.sigmoid(female_logits.double()).numpy()


def _export(tmp_path: Path, quantize: str) -> tuple[torch.nn.Module, Path]:
    torch.set_num_threads(1)
    cfg = TrainConfig(arch="tiny", input_size=48, pretrained=False)
    model = random_tiny_model(cfg.input_size)
    export_tfjs(model, cfg, CALIBRATION, True, tmp_path / "model", quantize)
    return model, tmp_path / "model" / "model.json"


def test_float32_export_comes_back_exactly(tmp_path: Path, node_ready: None) -> None:
    model, model_json = _export(tmp_path, "none")
    loaded, metadata = load_tfjs_model(model_json)
    assert loaded.arch_name == "tiny" and loaded.max_age == 100 and not loaded.training
    assert metadata == {
        "inputSize": 48,
        "pixelMean": 127,
        "pixelStd": 128,
        "maxAge": 100,
        "flipAverage": True,
        "calibration": CALIBRATION,
    }
    original = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    restored = {k: v for k, v in loaded.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert original.keys() == restored.keys()
    for key, value in original.items():
        assert torch.equal(value, restored[key]), key
    for ours, theirs in zip(_outputs(model, 48), _outputs(loaded, 48)):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("quantize", ["float16", "uint8"])
def test_quantized_export_comes_back_within_its_rounding(tmp_path: Path, node_ready: None, quantize: str) -> None:
    model, model_json = _export(tmp_path, quantize)
    loaded, _ = load_tfjs_model(model_json)
    restored = tfjs_layer_weights(loaded)
    written = equalize_kernel_ranges(model) if quantize == "uint8" else model  # export.py equalizes before 8 bits
    for name, arrays in tfjs_layer_weights(written).items():
        for i, (ours, theirs) in enumerate(zip(arrays, restored[name])):
            if quantize == "uint8" and i == 0 and not name.endswith(("bn", "dwconv")):
                step = (ours.max() - ours.min()) / 255  # export.ts: 8-bit affine conv and dense kernels
                np.testing.assert_allclose(theirs, ours, atol=step / 2 * (1 + 1e-5), rtol=0, err_msg=name)
            else:  # float16: 11 significant bits; the values here are far from float16's subnormals
                np.testing.assert_allclose(theirs, ours, rtol=2.0**-11, atol=1e-7, err_msg=name)
    ages, female = _outputs(model, 48)
    ages_q, female_q = _outputs(loaded, 48)
    tol = UINT8_TOLERANCE if quantize == "uint8" else {"age": 0.5, "female_probability": 5e-3}  # test_parity's float16
    np.testing.assert_allclose(ages_q, ages, atol=tol["age"], rtol=0)
    np.testing.assert_allclose(female_q, female, atol=tol["female_probability"], rtol=0)
    assert np.ptp(ages) > 1.0, "the random model should give different ages to different faces"


def _with_a_narrow_channel(model: AgeGenderNet, factor: float = 100.0) -> AgeGenderNet:
    """The same function, but channel 0 of every convolution `factor` times narrower (its norm's gamma makes up for it)."""
    with torch.no_grad():
        for conv, norm in model.conv_norm_pairs():
            conv.weight[0] /= factor
            norm.running_mean[0] /= factor
            norm.weight[0] *= factor
    return model


def test_equalizing_kernel_ranges_keeps_the_function() -> None:
    torch.set_num_threads(1)
    model = random_tiny_model(48)
    narrow = _with_a_narrow_channel(random_tiny_model(48))
    equalized = equalize_kernel_ranges(narrow)
    for ours, theirs in zip(_outputs(model, 48), _outputs(equalized, 48)):
        np.testing.assert_allclose(theirs, ours, rtol=1e-4, atol=1e-4)
    for conv, _ in equalized.conv_norm_pairs():
        reach = conv.weight.abs().flatten(1).amax(1)
        assert torch.allclose(reach, reach.max(), rtol=1e-5), "every output channel should span the widest one's range"


def test_uint8_export_keeps_narrow_channels(tmp_path: Path, node_ready: None) -> None:
    """Within the budget of an ordinary uint8 export; without equalizing, channel 0's weights fall on two or three of
    the kernel's 256 levels and the ages move by up to 19 years."""
    torch.set_num_threads(1)
    model = _with_a_narrow_channel(random_tiny_model(48))
    export_tfjs(
        model, TrainConfig(arch="tiny", input_size=48, pretrained=False), CALIBRATION, True, tmp_path / "model", "uint8"
    )
    loaded, _ = load_tfjs_model(tmp_path / "model" / "model.json")
    (ages, female), (ages_q, female_q) = _outputs(model, 48), _outputs(loaded, 48)
    np.testing.assert_allclose(ages_q, ages, atol=UINT8_TOLERANCE["age"], rtol=0)
    np.testing.assert_allclose(female_q, female, atol=UINT8_TOLERANCE["female_probability"], rtol=0)


@pytest.mark.skipif(not SHIPPED.exists(), reason="no shipped model in public/models/agegender")
def test_shipped_model_loads_and_predicts_plausible_ages() -> None:
    torch.set_num_threads(1)
    model, metadata = load_tfjs_model(SHIPPED)
    assert model.arch_name == "efficientnet_lite0" and metadata["inputSize"] == 160 and metadata["maxAge"] == 100
    faces = sorted(FIXTURE_FACES.glob("*.chip.jpg"))
    ages, female = _outputs(model, metadata["inputSize"])
    labels = np.array([int(p.name.split("_")[0]) for p in faces])
    assert np.all((ages >= 0) & (ages <= 100))
    assert np.corrcoef(ages, labels)[0, 1] > 0.9, (ages, labels)  # fixtures span ages 1..100


@pytest.mark.skipif(not SHIPPED.exists(), reason="no shipped model in public/models/agegender")
def test_shipped_model_matches_the_cli(tmp_path: Path, node_ready: None) -> None:
    """Both sides decode the same 8-bit weights, so they should agree like the float32 parity test does."""
    torch.set_num_threads(1)
    model, metadata = load_tfjs_model(SHIPPED)
    image = tmp_path / "face.png"
    Image.open(sorted(FIXTURE_FACES.glob("*.chip.jpg"))[5]).convert("RGB").save(image)  # lossless for both decoders
    result = run_cli("--crop", "--format", "json", "--model", str(SHIPPED), str(image))
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)[0]
    face = FaceSet([image.name], np.asarray(Image.open(image))[None], *np.zeros((3, 1), np.int64))
    probs, female_logits = run_model(model, face, metadata["inputSize"], metadata["flipAverage"])
    # The interval calibration is changing format (calibration.py vs src/lib/interval.ts): compare what does not.
    assert row["age"] == pytest.approx(expected_age(probs)[0], abs=0.06)
    female = 1 / (1 + np.exp(-female_logits[0] / metadata["calibration"]["temperature"]))
    assert row["female_probability"] == pytest.approx(female, abs=2e-4)
