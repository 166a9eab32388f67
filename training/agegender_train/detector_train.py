"""Fine-tune BlazeFace on hard faces made from the training chips, and write it as the app's graph model.

    PYTHONPATH=training training/.venv/bin/python -m agegender_train.detector_train --out-dir training/runs/detector

The 128 px front-camera BlazeFace misses faces that are tilted, small, cut by the photo's edge, narrowed by a
turned head, dark or blurred (npm run bench:hard-faces). Each training example is one 128 px window as
detect.ts feeds the model: a training chip placed at a random size (a face 16-80% of the window, the range
the first look's levels and the second look's zooms give), angle, squeeze and position, often degraded as
real photos are (degrade.random_degradations) and sometimes cut by a photo edge (black past it, as in the
first look, or mirrored, as in the second), on a background of flat colour, noise, a gradient, or a
magnified part of another chip (face parts are not faces), or, with --negative-images, a part of a photo with no
human face in it, perhaps with a cut-out animal or thing pasted on (EXPERIMENTS.md uses scikit-image's sample
photos and Tux Paint's stamps). Some windows hold no face at all.

Only the scores are taught: each face's two best anchors near its centre, on the grid that finds faces of
its size, are pushed up; the hardest other anchors down; and no other anchor may score above the original
model (a hinge, `keep_weight`: without it the model grows surer everywhere, of dogs and hands too). Boxes and
keypoints are distilled from the original model on the same window, so the faces found are placed as before.
The validation chips, placed by a fixed seed, tell how many faces the original and the fine-tuned model find
and how often they fire where no face is.

Not shipped: every run so far finds more hard faces but also faces where there are none (EXPERIMENTS.md,
"Fine-tuning the face detector"). The app's detector is still the original model.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from .blazeface import BlazeFaceGraph, write_graph_model
from .config import config_parser
from .dataset import load_utkface
from .degrade import AugmentationConfig, random_degradations

WINDOW = 128
CHIP = 200
FACE_SIDE = 0.9 * CHIP  # where BlazeFace boxes the face of an untouched chip (bench:hard-faces uses the same)


@dataclass
class DetectorConfig:
    data: str = "../shared/data/UTKFace"
    split_file: str = "training/splits/utkface.json"
    cache_dir: str = "training/.cache"
    model: str = "public/models/blazeface/blazeface-front.json"
    out_dir: str = "training/runs/detector"
    seed: int = 0
    epochs: float = 1.0
    batch_size: int = 64
    lr: float = 5e-5
    weight_decay: float = 0.0
    face_min: float = 0.16  # face side / window side, drawn log-uniformly
    face_max: float = 0.8
    p_empty: float = 0.15  # windows with no face
    p_tilt: float = 0.5  # tilted up to tilt_max degrees, else a few
    tilt_max: float = 50.0
    p_squeeze: float = 0.3  # narrowed to squeeze_min..1 of its width (a turned head)
    squeeze_min: float = 0.55
    p_cut: float = 0.25  # cut by a photo edge, 20-30% of the chip past it
    p_dark: float = 0.15  # the whole window at 20-60% brightness
    positives_per_face: int = 2  # best anchors near each face taught up
    negatives_per_window: int = 16  # hardest non-face anchors taught down per window
    regression_weight: float = 30.0
    keep_weight: float = 0.03  # hinge on every non-face anchor scoring above the original model
    val_windows: int = 1000
    # Photos with no human face in them (comma-separated paths): parts of them, 1-4 windows wide, are a fifth
    # kind of background and of empty window, so that the hinge and the negatives see real clutter and animals.
    negative_images: str = ""
    # Pictures for the val windows only (the same way), so that the matched bar is set on pictures the run never
    # saw; empty: the training ones.
    val_negative_images: str = ""
    warmup_steps: int = 0  # learning rate raised linearly over these first steps
    progress: bool = True

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def parse_config(argv: list[str] | None = None) -> DetectorConfig:
    return DetectorConfig(**vars(config_parser(DetectorConfig, __doc__.split("\n\n")[0]).parse_args(argv)))


def anchors() -> torch.Tensor:
    """[896, 3]: centre x, y in window pixels and grid stride, in the graph's output order (detect.ts anchors())."""
    out = []
    for stride, per_cell in ((8, 2), (16, 6)):
        cells = WINDOW // stride
        for y in range(cells):
            for x in range(cells):
                out += [((x + 0.5) * stride, (y + 0.5) * stride, stride)] * per_cell
    return torch.tensor(out)


def _uniform(n: int, low: float, high: float, gen: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=gen)


@dataclass
class NegativePhotos:
    """Pictures with no human face, 0..255: photos [3, h, w], and cut-outs [4, h, w] (a thing on a transparent
    ground, as in Tux Paint's stamps) that are pasted on parts of the photos."""

    photos: list[torch.Tensor]
    cutouts: list[torch.Tensor]

    def __bool__(self) -> bool:
        return bool(self.photos or self.cutouts)


def load_negative_images(paths: str) -> NegativePhotos:
    """The listed pictures (comma-separated; none when `paths` is empty): those with transparent pixels are cut-outs."""
    photos, cutouts = [], []
    for path in filter(None, paths.split(",")):
        image = torch.from_numpy(np.array(Image.open(path).convert("RGBA"))).permute(2, 0, 1).float()
        if image[3].min() < 255:
            cutouts.append(image)
        else:
            photos.append(image[:3])
    return NegativePhotos(photos, cutouts)


def _pick(items: Sequence[torch.Tensor], gen: torch.Generator) -> torch.Tensor:
    return items[int(torch.randint(0, len(items), (1,), generator=gen))]


def _paste_cutout(window: torch.Tensor, cutout: torch.Tensor, gen: torch.Generator) -> None:
    """Paste `cutout` on `window` [3, 128, 128] in place: its longer side 0.3-1.5 windows, mirrored half the time,
    its centre anywhere in the window (so it may be cut by the window's edge)."""
    scale = WINDOW * float(_uniform(1, 0.3, 1.5, gen)) / max(cutout.shape[1:])
    h, w = (max(1, round(extent * scale)) for extent in cutout.shape[1:])
    image = F.interpolate(cutout[None], size=(h, w), mode="bilinear", antialias=True)[0]
    if torch.rand(1, generator=gen) < 0.5:
        image = image.flip(2)
    y0, x0 = (int(torch.randint(0, WINDOW, (1,), generator=gen)) - extent // 2 for extent in (h, w))
    wy, wx = slice(max(0, y0), min(WINDOW, y0 + h)), slice(max(0, x0), min(WINDOW, x0 + w))
    part = image[:, wy.start - y0 : wy.stop - y0, wx.start - x0 : wx.stop - x0]
    alpha = part[3:] / 255
    window[:, wy, wx] = part[:3] * alpha + window[:, wy, wx] * (1 - alpha)


def _photo_parts(negatives: NegativePhotos, n: int, gen: torch.Generator) -> torch.Tensor:
    """[n, 3, 128, 128]: square parts of random photos, 1 to 4 windows wide (never past the photo), scaled to 128,
    half of them (all when there are no photos, on flat grey) with a cut-out pasted on."""
    out = torch.full((n, 3, WINDOW, WINDOW), 128.0)
    for i in range(n):
        if negatives.photos:
            photo = _pick(negatives.photos, gen)
            h, w = photo.shape[1:]
            side = int(min(min(h, w), WINDOW * 2 ** float(_uniform(1, 0, 2, gen))))
            y, x = (int(torch.randint(0, extent - side + 1, (1,), generator=gen)) for extent in (h, w))
            out[i] = F.interpolate(
                photo[None, :, y : y + side, x : x + side], size=(WINDOW, WINDOW), mode="bilinear", antialias=True
            )[0]
        if negatives.cutouts and (not negatives.photos or torch.rand(1, generator=gen) < 0.5):
            _paste_cutout(out[i], _pick(negatives.cutouts, gen), gen)
    return out


def _backgrounds(
    chips: torch.Tensor, n: int, gen: torch.Generator, photos: NegativePhotos | None = None
) -> torch.Tensor:
    """[n, 3, 128, 128] in 0..255: flat colour, noise, a gradient, a chip part magnified 2.5-5 times, or (given
    `photos` without faces) a part of one of them (_photo_parts)."""
    kind = torch.randint(0, 5 if photos else 4, (n,), generator=gen)
    colour = _uniform(n * 3, 20, 235, gen).view(n, 3, 1, 1)
    out = colour.expand(n, 3, WINDOW, WINDOW).clone()
    noise = colour + _uniform(n, 10, 60, gen).view(n, 1, 1, 1) * torch.randn(n, 3, WINDOW, WINDOW, generator=gen)
    ramp = torch.linspace(-1, 1, WINDOW)
    angle = _uniform(n, 0, 2 * math.pi, gen).view(n, 1, 1)
    g = (torch.cos(angle) * ramp.view(1, 1, -1) + torch.sin(angle) * ramp.view(1, -1, 1)).unsqueeze(1)
    gradient = colour + _uniform(n * 3, -80, 80, gen).view(n, 3, 1, 1) * g
    side = _uniform(n, CHIP / 5, CHIP / 2.5, gen)
    x0, y0 = _uniform(n, 0, 1, gen) * (CHIP - side), _uniform(n, 0, 1, gen) * (CHIP - side)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = side / CHIP
    theta[:, 0, 2], theta[:, 1, 2] = (x0 + side / 2) / CHIP * 2 - 1, (y0 + side / 2) / CHIP * 2 - 1
    source = chips[torch.randint(0, len(chips), (n,), generator=gen)].float()
    part = F.grid_sample(source, F.affine_grid(theta, [n, 3, WINDOW, WINDOW], align_corners=False), align_corners=False)
    for k, image in ((1, noise), (2, gradient), (3, part)):
        out[kind == k] = image[kind == k]
    if (kind == 4).any():
        out[kind == 4] = _photo_parts(photos, int((kind == 4).sum()), gen)
    return out.clamp(0, 255)


def hard_windows(
    chips: torch.Tensor, cfg: DetectorConfig, gen: torch.Generator, photos: NegativePhotos | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows from chips [n, 3, 200, 200] uint8: NHWC inputs in -1..1, and each face's box (centre x, y, width,
    height in window pixels; NaN for a window without a face), upright as BlazeFace boxes are."""
    n = len(chips)
    faces = random_degradations(chips.float(), AugmentationConfig(), gen)
    side = torch.exp(_uniform(n, math.log(cfg.face_min), math.log(cfg.face_max), gen)) * WINDOW
    squeeze = torch.where(
        torch.rand(n, generator=gen) < cfg.p_squeeze, _uniform(n, cfg.squeeze_min, 1, gen), torch.ones(n)
    )
    tilt = (
        torch.where(
            torch.rand(n, generator=gen) < cfg.p_tilt,
            _uniform(n, -cfg.tilt_max, cfg.tilt_max, gen),
            4 * torch.randn(n, generator=gen),
        )
        * math.pi
        / 180
    )
    width = side * squeeze
    # the face anywhere its box fits (or centred when it does not)
    cx = WINDOW / 2 + (torch.rand(n, generator=gen) - 0.5) * (WINDOW - width).clamp(min=0)
    cy = WINDOW / 2 + (torch.rand(n, generator=gen) - 0.5) * (WINDOW - side).clamp(min=0)
    # window pixel -> chip pixel: chip centre + S^-1 R(-tilt) (p - face centre), in grid_sample's -1..1 units
    k = side / FACE_SIDE
    cos, sin = torch.cos(tilt), torch.sin(tilt)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = cos / (k * squeeze) * WINDOW / CHIP, sin / (k * squeeze) * WINDOW / CHIP
    theta[:, 1, 0], theta[:, 1, 1] = -sin / k * WINDOW / CHIP, cos / k * WINDOW / CHIP
    ox, oy = (WINDOW / 2 - cx) / (WINDOW / 2), (WINDOW / 2 - cy) / (WINDOW / 2)  # face centre offset, -1..1 units
    theta[:, 0, 2] = theta[:, 0, 0] * ox + theta[:, 0, 1] * oy
    theta[:, 1, 2] = theta[:, 1, 0] * ox + theta[:, 1, 1] * oy
    grid = F.affine_grid(theta, [n, 3, WINDOW, WINDOW], align_corners=False)
    placed = F.grid_sample(torch.cat([faces, torch.ones(n, 1, CHIP, CHIP)], 1), grid, align_corners=False)
    alpha = placed[:, 3:]
    out = placed[:, :3] * alpha + _backgrounds(chips, n, gen, photos) * (1 - alpha)

    # a photo edge through the chip: black past it, or the photo mirrored there
    chip_w, chip_h = CHIP * k * squeeze, CHIP * k
    for i in (torch.rand(n, generator=gen) < cfg.p_cut).nonzero().squeeze(1).tolist():
        edge = int(torch.randint(0, 4, (1,), generator=gen))
        off = float(_uniform(1, 0.2, 0.3, gen))
        extent = float(chip_w[i] if edge in (0, 2) else chip_h[i])
        centre = float(cx[i] if edge in (0, 2) else cy[i])
        at = (
            int(round(centre - extent / 2 + off * extent))
            if edge < 2
            else int(round(centre + extent / 2 - off * extent))
        )
        at = max(1, min(WINDOW - 1, at))
        image = out[i] if edge in (0, 2) else out[i].transpose(1, 2)  # columns, or rows as columns
        if edge in (0, 1):  # lost before `at`
            kept = image[:, :, at:]
            image[:, :, :at] = (
                kept.flip(2)[:, :, -at:] if torch.rand(1, generator=gen) < 0.5 and kept.shape[2] >= at else 0
            )
        else:  # lost from `at` on
            kept = image[:, :, :at]
            past = WINDOW - at
            image[:, :, at:] = (
                kept.flip(2)[:, :, :past] if torch.rand(1, generator=gen) < 0.5 and kept.shape[2] >= past else 0
            )
    dark = torch.where(torch.rand(n, generator=gen) < cfg.p_dark, _uniform(n, 0.2, 0.6, gen), torch.ones(n))
    out = (out * dark.view(n, 1, 1, 1)).clamp(0, 255)

    empty = torch.rand(n, generator=gen) < cfg.p_empty
    out[empty] = _backgrounds(chips[empty], int(empty.sum()), gen, photos) if empty.any() else out[empty]
    boxes = torch.stack([cx, cy, width, side], 1)
    boxes[empty] = float("nan")
    return (out / 127.5 - 1).permute(0, 2, 3, 1).contiguous(), boxes


def _decode(regressors: torch.Tensor, anchor: torch.Tensor) -> torch.Tensor:
    """Raw regressors [n, 896, 16] -> boxes [n, 896, 4] (centre x, y, width, height in window pixels)."""
    return torch.cat([regressors[..., :2] + anchor[:, :2], regressors[..., 2:4]], -1)


def _iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of centre/size boxes, broadcast."""
    w = (
        torch.minimum(a[..., 0] + a[..., 2] / 2, b[..., 0] + b[..., 2] / 2)
        - torch.maximum(a[..., 0] - a[..., 2] / 2, b[..., 0] - b[..., 2] / 2)
    ).clamp(min=0)
    h = (
        torch.minimum(a[..., 1] + a[..., 3] / 2, b[..., 1] + b[..., 3] / 2)
        - torch.maximum(a[..., 1] - a[..., 3] / 2, b[..., 1] - b[..., 3] / 2)
    ).clamp(min=0)
    inter = w * h
    return inter / (a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - inter).clamp(min=1e-6)


def assign(boxes: torch.Tensor, teacher_boxes: torch.Tensor, anchor: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Positive and negative anchors [n, 896] for each window's face.

    Positive: within a fifth of the face's side of its centre, on the grid that finds faces of its size (the
    stride-8 grid up to a third of the window, the stride-16 grid from a quarter; measured on clean chips).
    Negative: every anchor whose box (as the original model places it) overlaps the face at IoU < 0.3.
    """
    side = boxes[:, 3:4]
    dist = torch.hypot(anchor[:, 0] - boxes[:, 0:1], anchor[:, 1] - boxes[:, 1:2])
    fine, coarse = anchor[:, 2] == 8, anchor[:, 2] == 16
    on_grid = (fine & (side < WINDOW / 3)) | (coarse & (side > WINDOW / 4))
    near = dist <= torch.maximum(side / 5, anchor[:, 2] * 0.75)
    positive = on_grid & near & ~torch.isnan(side)
    overlap = _iou(teacher_boxes, boxes.unsqueeze(1)).nan_to_num(0)
    negative = ~positive & (overlap < 0.3)
    return positive, negative


def detection_loss(
    student: tuple[torch.Tensor, ...],
    teacher: tuple[torch.Tensor, ...],
    boxes: torch.Tensor,
    anchor: torch.Tensor,
    cfg: DetectorConfig,
) -> tuple[torch.Tensor, dict[str, float]]:
    logits = torch.cat(student[:2], 1)[..., 0]
    regs = torch.cat(student[2:], 1)
    teacher_regs = torch.cat(teacher[2:], 1)
    positive, negative = assign(boxes, _decode(teacher_regs, anchor), anchor)
    # a face is found by its best anchor: teach each face's few best positive anchors up, not all of them
    has_face = positive.any(1)
    best = logits.masked_fill(~positive, -1e4).topk(cfg.positives_per_face, 1).values[has_face]
    pos_loss = F.binary_cross_entropy_with_logits(best, torch.ones_like(best)) if has_face.any() else logits.sum() * 0
    neg_logits = logits.masked_fill(~negative, -1e4).topk(cfg.negatives_per_window, 1).values
    neg_loss = F.binary_cross_entropy_with_logits(neg_logits, torch.zeros_like(neg_logits))
    reg_loss = ((regs - teacher_regs).abs().mean(-1) * positive).sum() / positive.sum().clamp(min=1) / WINDOW
    # away from the face no anchor may become surer than the original model was: what it found nothing in
    # (animals, hands, clutter, none of which these windows show) it should still find nothing in
    teacher_logits = torch.cat(teacher[:2], 1)[..., 0]
    keep_loss = (F.relu(logits - teacher_logits) * ~positive).sum(1).mean()
    loss = pos_loss + neg_loss + cfg.regression_weight * reg_loss + cfg.keep_weight * keep_loss
    return loss, {
        "positive": pos_loss.item(),
        "negative": neg_loss.item(),
        "regression": reg_loss.item(),
        "keep": keep_loss.item(),
    }


@torch.no_grad()
def scores_and_overlaps(
    model: BlazeFaceGraph, inputs: torch.Tensor, boxes: torch.Tensor, anchor: torch.Tensor, batch: int = 128
) -> tuple[torch.Tensor, torch.Tensor]:
    """Every anchor's score and its box's IoU with the window's face (0 without one): two [n, 896] tensors."""
    scores, overlaps = [], []
    for i in range(0, len(inputs), batch):
        out = model(inputs[i : i + batch])
        scores.append(torch.sigmoid(torch.cat(out[:2], 1)[..., 0]))
        overlaps.append(_iou(_decode(torch.cat(out[2:], 1), anchor), boxes[i : i + batch].unsqueeze(1)).nan_to_num(0))
    return torch.cat(scores), torch.cat(overlaps)


def window_scores(
    model: BlazeFaceGraph, inputs: torch.Tensor, boxes: torch.Tensor, anchor: torch.Tensor, threshold: float = 0.75
) -> dict[str, float]:
    """Faces found (a box scoring >= threshold at IoU >= 0.4 with the face) and windows with a false box."""
    score, overlap = scores_and_overlaps(model, inputs, boxes, anchor)
    sure = score >= threshold
    found, false_any = (sure & (overlap >= 0.4)).any(1), (sure & (overlap < 0.3)).any(1)
    has_face = ~torch.isnan(boxes[:, 0])
    return {
        "found": found[has_face].float().mean().item(),
        "false_in_face_windows": false_any[has_face].float().mean().item(),
        "false_in_empty_windows": false_any[~has_face].float().mean().item(),
    }


def matched_threshold(
    original: BlazeFaceGraph,
    tuned: BlazeFaceGraph,
    inputs: torch.Tensor,
    boxes: torch.Tensor,
    anchor: torch.Tensor,
    at: float = 0.75,
) -> float:
    """The bar at which `tuned` makes as many boxes away from the faces (IoU < 0.3) as `original` does at `at`:
    a fine-tuned model scores everything higher, so the same bar would let more false detections through."""

    def away_from_face(model: BlazeFaceGraph) -> torch.Tensor:
        score, overlap = scores_and_overlaps(model, inputs, boxes, anchor)
        return score[overlap < 0.3]

    k = max(1, int((away_from_face(original) >= at).sum()))
    return away_from_face(tuned).sort(descending=True).values[k - 1].item()


def main(argv: list[str] | None = None) -> int:
    cfg = parse_config(argv)
    torch.manual_seed(cfg.seed)
    out_dir = Path(cfg.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    faces, _ = load_utkface(cfg.data, cfg.cache_dir, progress=cfg.progress)
    split = json.loads(Path(cfg.split_file).read_text())
    index = {name: i for i, name in enumerate(faces.names)}

    def chips(part: str) -> torch.Tensor:
        return torch.from_numpy(faces.images[[index[n] for n in split[part] if n in index]]).permute(0, 3, 1, 2)

    train, val = chips("train"), chips("val")
    anchor = anchors()

    teacher = BlazeFaceGraph(cfg.model).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = BlazeFaceGraph(cfg.model)
    val_gen = torch.Generator().manual_seed(10_000 + cfg.seed)
    val_chips = val[torch.linspace(0, len(val) - 1, cfg.val_windows).long()]
    photos = load_negative_images(cfg.negative_images)
    val_photos = load_negative_images(cfg.val_negative_images) if cfg.val_negative_images else photos
    val_inputs, val_boxes = hard_windows(val_chips, cfg, val_gen, val_photos)
    before = window_scores(teacher, val_inputs, val_boxes, anchor)
    print(json.dumps({"val_before": before}), flush=True)

    gen = torch.Generator().manual_seed(cfg.seed)
    steps = int(cfg.epochs * len(train) / cfg.batch_size)
    opt = torch.optim.AdamW(student.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (cfg.warmup_steps + 1)) * 0.5 * (1 + math.cos(math.pi * min(s / steps, 1)))
    )
    log = (out_dir / "log.jsonl").open("w")  # noqa: SIM115 (written as the run goes, closed after it)
    start = time.time()
    bar = tqdm(range(steps), desc="fine-tuning BlazeFace", disable=not cfg.progress, unit="batch")
    for step in bar:
        chips = train[torch.randint(0, len(train), (cfg.batch_size,), generator=gen)]
        inputs, boxes = hard_windows(chips, cfg, gen, photos)
        with torch.no_grad():
            target = teacher(inputs)
        loss, parts = detection_loss(student(inputs), target, boxes, anchor, cfg)
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if (step + 1) % 200 == 0 or step + 1 == steps:
            record = {"step": step + 1, "loss": loss.item(), **parts, "seconds": round(time.time() - start, 1)}
            if (step + 1) % 1000 == 0 or step + 1 == steps:
                record["val"] = window_scores(student.eval(), val_inputs, val_boxes, anchor)
                student.train()
            log.write(json.dumps(record) + "\n")
            log.flush()
            if not cfg.progress:
                print(json.dumps(record), flush=True)
    log.close()
    after = window_scores(student.eval(), val_inputs, val_boxes, anchor)
    # on every val chip, not only the sample: the original makes few such boxes (5 in 1.5 million anchors)
    all_inputs, all_boxes = hard_windows(val, cfg, torch.Generator().manual_seed(10_000 + cfg.seed), val_photos)
    threshold = matched_threshold(teacher, student, all_inputs, all_boxes, anchor)
    written = write_graph_model(student, out_dir)
    summary = {"val_before": before, "val_after": after, "threshold_matching_original_at_0.75": threshold}
    (out_dir / "detector-card.json").write_text(
        json.dumps(
            {"config": cfg.to_dict(), **summary, "steps": steps, "seconds": round(time.time() - start, 1)}, indent=2
        )
    )
    print(json.dumps({**summary, "model": str(written)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
