"""Real-photo degradations and the geometry of training and of the shift benchmark."""

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, fixture_face_pixels

from agegender_train.config import AugmentationConfig
from agegender_train.degrade import CONDITIONS, DEGRADATIONS, random_degradations
from agegender_train.preprocess import (
    _to_nchw,
    alignment_matrices,
    augment,
    degrade_for_benchmark,
    load_alignment_jitter,
    to_model_input,
    warp,
)

JITTER = REPO_ROOT / "training" / "geometry" / "alignment-jitter.json"


@pytest.fixture(scope="module")
def faces() -> np.ndarray:
    return fixture_face_pixels()


def test_each_degradation_keeps_the_shape_and_range_and_changes_the_face(faces: np.ndarray) -> None:
    x = _to_nchw(faces)
    strong = {
        "grey": 1.0,
        "faded_scan": 1.0,
        "grain": 20,
        "blur": 2.5,
        "small_face": 40,
        "jpeg": 10,
        "colour_cast": 0.3,
        "exposure": 0.3,
        "occlusion": 0.2,
    }
    assert set(strong) == set(DEGRADATIONS)
    for kind, s in strong.items():
        y = DEGRADATIONS[kind](x, torch.full((len(x),), float(s)), torch.Generator().manual_seed(0)).clamp(0, 255)
        assert y.shape == x.shape, kind
        assert (y - x).abs().mean() > 2, f"{kind} at {s} should visibly change the face"
    grey = DEGRADATIONS["grey"](x, torch.ones(len(x)), torch.Generator())
    assert torch.allclose(grey[:, 0], grey[:, 1]) and torch.allclose(grey[:, 1], grey[:, 2])
    # Small faces lose fine detail: less energy in the differences between neighbouring pixels.
    small = DEGRADATIONS["small_face"](x, torch.full((len(x),), 40.0), torch.Generator())
    assert small.diff(dim=-1).abs().mean() < 0.75 * x.diff(dim=-1).abs().mean()
    dim = DEGRADATIONS["exposure"](x, torch.full((len(x),), 0.3), torch.Generator())
    assert dim.mean() < 0.6 * x.mean()


def test_neutral_strengths_leave_the_face_alone(faces: np.ndarray) -> None:
    x = _to_nchw(faces)
    neutral = {
        "grey": 0.0,
        "faded_scan": 0.0,
        "grain": 0.0,
        "blur": 0.0,
        "small_face": 1000,
        "jpeg": 100,
        "colour_cast": 0.0,
        "exposure": 1.0,
        "occlusion": 0.0,
    }
    for kind, s in neutral.items():
        y = DEGRADATIONS[kind](x, torch.full((len(x),), float(s)), torch.Generator().manual_seed(0))
        assert torch.allclose(y, x, atol=1e-3), kind


def test_random_degradations_leave_some_faces_clean_and_are_reproducible(faces: np.ndarray) -> None:
    x = _to_nchw(np.concatenate([faces] * 32))
    a = random_degradations(x, AugmentationConfig(), torch.Generator().manual_seed(1))
    b = random_degradations(x, AugmentationConfig(), torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    clean = ((a - x).abs().amax(dim=(1, 2, 3)) < 1e-3).float().mean()
    assert 0.15 < clean < 0.5, f"{clean:.2f} of the faces were left clean"


def test_identity_alignment_and_geometry_reduce_to_the_plain_resize(faces: np.ndarray) -> None:
    identity = alignment_matrices(np.array([[1.0, 0.0, 0.0, 0.0]] * len(faces)))
    assert torch.allclose(identity, torch.eye(3).expand(len(faces), 3, 3), atol=1e-6)
    plain = to_model_input(faces, 96)
    assert torch.allclose(warp(_to_nchw(faces), 96, identity), plain, atol=1e-4)
    clean = next(c for c in CONDITIONS if c.name == "clean")
    assert torch.allclose(degrade_for_benchmark(faces, clean, 96, seed=0), plain, atol=1e-4)


def test_alignment_matrices_cut_as_align_face_does() -> None:
    # A chip whose face is twice too small and 20 px right of where alignment wants it: alignFace's
    # q = 2 p + t with t = (-40 - 100, -100) (pixels, 200 px chips), so output centre q = (100, 100) reads p = (120, 100).
    m = alignment_matrices(np.array([[2.0, 0.0, -140 / 200, -100 / 200]]))[0]
    centre = m @ torch.tensor([0.0, 0.0, 1.0])
    assert centre[:2].tolist() == pytest.approx([2 * 120 / 200 - 1, 0.0], abs=1e-6)
    rotated = alignment_matrices(np.array([[1.0, 90.0, 0.0, 0.0]]))[0]
    assert abs(rotated[0, 0]) < 1e-6 and abs(abs(rotated[0, 1]) - 1) < 1e-6


def test_benchmark_conditions_are_fixed_and_training_geometry_uses_the_measured_jitter(faces: np.ndarray) -> None:
    jitter = load_alignment_jitter(JITTER)
    assert jitter.shape[1] == 4 and len(jitter) > 1000
    assert 0.95 < np.median(jitter[:, 0]) < 1.05 and abs(np.median(jitter[:, 1])) < 2
    names = [c.name for c in CONDITIONS]
    assert len(names) == len(set(names)) and names[0] == "clean"
    for condition in CONDITIONS:
        a = degrade_for_benchmark(faces, condition, 64, seed=3, alignment_jitter=jitter)
        b = degrade_for_benchmark(faces, condition, 64, seed=3, alignment_jitter=jitter)
        assert torch.equal(a, b), condition.name
    x = augment(faces, 64, torch.Generator().manual_seed(0), degradations=AugmentationConfig(), alignment_jitter=jitter)
    assert x.shape == (len(faces), 3, 64, 64) and torch.isfinite(x).all() and x.abs().max() <= 1.0 + 1e-6


def test_a_malformed_jitter_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "jitter.json"
    bad.write_text('{"fields": ["scale"], "transforms": [[1.0]]}')
    with pytest.raises(ValueError, match="scale, rotate_deg, tx, ty"):
        load_alignment_jitter(bad)
    assert math.isfinite(float(load_alignment_jitter(JITTER)[0, 0]))
