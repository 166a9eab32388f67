"""agegender_train.blazeface runs the app's BlazeFace graph as tfjs does, and writes back what tfjs reads;
detector_train's windows, anchors and loss do what the fine-tune relies on."""

import json
import subprocess

import numpy as np
import torch
from conftest import REPO_ROOT, fixture_face_pixels

from agegender_train.blazeface import BlazeFaceGraph, write_graph_model
from agegender_train.detector_train import (
    DetectorConfig,
    anchors,
    assign,
    detection_loss,
    hard_windows,
    load_negative_images,
    matched_threshold,
    window_scores,
)

SHIPPED = REPO_ROOT / "public" / "models" / "blazeface" / "blazeface-front.json"
ORIGINAL = SHIPPED  # the fine-tune starts from the shipped model


def _chips(count: int) -> torch.Tensor:
    """`count` fixture chips (repeating the eight), NCHW uint8 as detector_train takes them."""
    faces = fixture_face_pixels()
    return torch.from_numpy(faces[np.arange(count) % len(faces)]).permute(0, 3, 1, 2)


def test_writing_an_unchanged_graph_gives_back_the_same_bytes(tmp_path):
    model = BlazeFaceGraph(ORIGINAL)
    written = write_graph_model(model, tmp_path)
    assert written.with_suffix(".bin").read_bytes() == ORIGINAL.with_suffix(".bin").read_bytes()
    assert json.loads(written.read_text())["modelTopology"] == json.loads(ORIGINAL.read_text())["modelTopology"]


def test_tfjs_runs_a_changed_graph_as_pytorch_does(tmp_path, node_ready):
    model = BlazeFaceGraph(SHIPPED)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():  # weights no run would give, so that agreement is not the shipped file's by chance
        for p in model.parameters():
            p.mul_(1 + 0.1 * torch.randn(p.shape, generator=gen))
    written = write_graph_model(model, tmp_path / "model")
    inputs, _ = hard_windows(_chips(3), DetectorConfig(), gen)
    inputs.numpy().astype("<f4").tofile(tmp_path / "input.f32")
    result = subprocess.run(
        [
            "npx",
            "--no-install",
            "tsx",
            "training/tfjs_export/blazefaceOutputs.ts",
            str(written),
            str(tmp_path / "input.f32"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    tfjs = json.loads(result.stdout)
    with torch.no_grad():
        ours = model(inputs)
    for mine, shape, values in zip(ours, tfjs["shapes"], tfjs["values"]):
        theirs = np.array(values, np.float32).reshape(shape)
        np.testing.assert_allclose(mine.numpy(), theirs, rtol=1e-3, atol=1e-3 * np.abs(theirs).max())


def test_windows_place_the_face_where_its_box_says():
    cfg = DetectorConfig(p_empty=0.0, p_tilt=0.0, p_squeeze=0.0, p_cut=0.0, p_dark=0.0)
    gen = torch.Generator().manual_seed(1)
    inputs, boxes = hard_windows(_chips(8), cfg, gen)
    assert inputs.shape == (8, 128, 128, 3) and inputs.min() >= -1 and inputs.max() <= 1
    with torch.no_grad():  # the original model boxes clean, upright faces where the windows say they are
        found = window_scores(BlazeFaceGraph(ORIGINAL).eval(), inputs, boxes, anchors(), threshold=0.5)
    assert found["found"] >= 0.75


def test_empty_windows_have_no_box_and_no_positive_anchor():
    cfg = DetectorConfig(p_empty=1.0)
    inputs, boxes = hard_windows(_chips(4), cfg, torch.Generator().manual_seed(2))
    assert torch.isnan(boxes).all()
    teacher_boxes = torch.zeros(4, 896, 4)
    positive, negative = assign(boxes, teacher_boxes, anchors())
    assert not positive.any() and negative.all()


def _fine_tune(cfg: DetectorConfig, steps: int = 20) -> tuple[dict[str, float], dict[str, float]]:
    """The loss parts before and after a few steps on one batch of 16 windows."""
    torch.manual_seed(0)
    teacher, student = BlazeFaceGraph(ORIGINAL).eval(), BlazeFaceGraph(ORIGINAL)
    inputs, boxes = hard_windows(_chips(16), cfg, torch.Generator().manual_seed(3))
    anchor = anchors()
    with torch.no_grad():
        target = teacher(inputs)
    _, first = detection_loss(student(inputs), target, boxes, anchor, cfg)
    opt = torch.optim.Adam(student.parameters(), lr=2e-5)
    for _ in range(steps):
        loss, _ = detection_loss(student(inputs), target, boxes, anchor, cfg)
        opt.zero_grad()
        loss.backward()
        opt.step()
    _, last = detection_loss(student(inputs), target, boxes, anchor, cfg)
    return first, last


def test_a_few_steps_raise_each_face_and_the_hinge_holds_the_rest_down():
    first, free = _fine_tune(DetectorConfig(p_empty=0.0, keep_weight=0.0))
    assert first["keep"] == 0  # the student starts as the teacher
    assert free["positive"] < 0.8 * first["positive"]
    # taught only to find faces, the model grows surer everywhere; the hinge keeps it where it was
    _, held = _fine_tune(DetectorConfig(p_empty=0.0))
    assert held["keep"] < 0.1 * free["keep"]


def test_a_model_surer_everywhere_gets_a_higher_matched_bar():
    original = BlazeFaceGraph(ORIGINAL).eval()
    surer = BlazeFaceGraph(ORIGINAL).eval()
    with torch.no_grad():  # the two score heads' biases: every anchor's logit up by 1
        for name in ("unknown_70", "unknown_72"):
            surer.weight(name).add_(1.0)
    inputs, boxes = hard_windows(_chips(16), DetectorConfig(p_empty=0.5), torch.Generator().manual_seed(4))
    same = matched_threshold(original, original, inputs, boxes, anchors(), at=0.3)
    higher = matched_threshold(original, surer, inputs, boxes, anchors(), at=0.3)
    assert same >= 0.3
    assert higher > same


def test_empty_windows_can_be_cut_from_photos_without_faces(tmp_path):
    from PIL import Image

    Image.new("RGB", (300, 170), (200, 40, 90)).save(tmp_path / "flat.png")  # one colour no other background draws
    Image.new("L", (100, 90), 7).save(tmp_path / "small-grey.png")  # smaller than a window: scaled up, as grey RGB
    photos = load_negative_images(f"{tmp_path / 'flat.png'},{tmp_path / 'small-grey.png'}")
    assert [tuple(p.shape) for p in photos.photos] == [(3, 170, 300), (3, 90, 100)] and not photos.cutouts
    inputs, boxes = hard_windows(
        _chips(64), DetectorConfig(p_empty=1.0, p_dark=0.0), torch.Generator().manual_seed(5), photos
    )
    assert torch.isnan(boxes).all()
    pixels = ((inputs + 1) * 127.5).round().reshape(64, -1, 3)
    from_flat = (pixels == torch.tensor([200.0, 40.0, 90.0])).all(-1).all(-1)
    from_small = (pixels == 7).all(-1).all(-1)
    assert from_flat.any() and from_small.any()  # a fifth of the windows, each from one of the two photos
    assert not load_negative_images("")


def test_cutouts_are_pasted_on_photo_parts_where_they_are_opaque(tmp_path):
    from PIL import Image

    Image.new("RGB", (300, 300), (200, 40, 90)).save(tmp_path / "flat.png")
    cutout = Image.new("RGBA", (60, 40), (0, 0, 0, 0))
    cutout.paste((10, 250, 10, 255), (15, 10, 45, 30))  # an opaque green block on a transparent ground
    cutout.save(tmp_path / "block.png")
    photos = load_negative_images(f"{tmp_path / 'flat.png'},{tmp_path / 'block.png'}")
    assert len(photos.photos) == 1 and [tuple(c.shape) for c in photos.cutouts] == [(4, 40, 60)]
    inputs, _ = hard_windows(
        _chips(64), DetectorConfig(p_empty=1.0, p_dark=0.0), torch.Generator().manual_seed(5), photos
    )
    pixels = ((inputs + 1) * 127.5).round().reshape(64, -1, 3)
    flat = (pixels == torch.tensor([200.0, 40.0, 90.0])).all(-1)
    green = (pixels == torch.tensor([10.0, 250.0, 10.0])).all(-1)
    with_block = green.any(-1)
    assert with_block.any() and (flat.any(-1) & ~with_block).any()  # some photo parts with the block, some without
    assert (
        (flat | green).float().mean(-1)[with_block] > 0.9
    ).all()  # nothing but photo and block (blended at its edge)
    # only cut-outs: pasted on flat grey
    only = load_negative_images(str(tmp_path / "block.png"))
    inputs, _ = hard_windows(
        _chips(64), DetectorConfig(p_empty=1.0, p_dark=0.0), torch.Generator().manual_seed(5), only
    )
    pixels = ((inputs + 1) * 127.5).round().reshape(64, -1, 3)
    assert ((pixels == torch.tensor([10.0, 250.0, 10.0])).all(-1).any(-1) & (pixels == 128).all(-1).any(-1)).any()
