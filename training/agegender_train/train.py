"""Train AgeGenderNet on UTKFace: read, split, train with augmentation, then calibrate and report.

    PYTHONPATH=training training/.venv/bin/python -m agegender_train.train --out-dir training/runs/NAME [--flags]

Run from the repository root; every TrainConfig field is a flag (config.py).

Runs on a GPU when PyTorch sees one, else on the CPU (--device); under torchrun, on several
processes at once (distributed.py). Writes to --out-dir: checkpoint.pt (every epoch, atomically;
--resume continues from it), log.jsonl (one line per epoch), and at the end model.pt (weights,
config, command) and, from evaluate.py, metrics.json (calibration; every split overall and per age
band / gender / race).

Every epoch draws its batches, augmentations and dropout from seeds of its own, so a run stopped
anywhere (even by kill -9) and resumed ends with the same weights as one never stopped.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from .calibration import expected_age
from .config import TrainConfig, parse_config
from .dataset import DatasetError, FaceSet, load_utkface, save_npz_atomic
from .distributed import Processes, start_processes
from .evaluate import evaluate_and_save
from .inference import load_trained, run_model
from .model import AgeGenderNet, load_imagenet_weights
from .preprocess import augment, load_alignment_jitter
from .real_data import SETS, RealFaces, load_real_faces
from .split import load_or_make_split


def age_targets(ages: torch.Tensor, cfg: TrainConfig) -> torch.Tensor:
    """Gaussian label distributions over 0..max_age, wider for older faces."""
    classes = torch.arange(cfg.max_age + 1, dtype=torch.float32, device=ages.device)
    sigma = cfg.age_sigma_base + cfg.age_sigma_slope * ages.float()
    target = torch.exp(-0.5 * ((classes[None] - ages[:, None].float()) / sigma[:, None]) ** 2)
    return target / target.sum(dim=1, keepdim=True)


def loss_fn(
    age_logits: torch.Tensor,
    female_logit: torch.Tensor,
    ages: torch.Tensor,
    genders: torch.Tensor,
    cfg: TrainConfig,
    teacher: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> torch.Tensor:
    """`teacher`: its age distributions and female probabilities on the same faces, mixed into the targets."""
    classes = torch.arange(cfg.max_age + 1, dtype=torch.float32, device=ages.device)
    age_target, mean_target, female_target = age_targets(ages, cfg), ages.float(), genders.float()
    if teacher is not None:
        w = cfg.distill_weight
        age_target = (1 - w) * age_target + w * teacher[0]
        mean_target = (1 - w) * mean_target + w * (teacher[0] * classes).sum(dim=1)
        female_target = (1 - w) * female_target + w * teacher[1]
    log_probs = F.log_softmax(age_logits, dim=1)
    distribution_loss = -(age_target * log_probs).sum(dim=1).mean()
    mean_loss = F.l1_loss((log_probs.exp() * classes).sum(dim=1), mean_target)
    gender_loss = F.binary_cross_entropy_with_logits(female_logit, female_target)
    return distribution_loss + cfg.mean_loss_weight * mean_loss + cfg.gender_loss_weight * gender_loss


def real_photo_loss(
    age_logits: torch.Tensor,
    female_logit: torch.Tensor,
    age_range: torch.Tensor,
    female: torch.Tensor,
    cfg: TrainConfig,
    teacher: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> torch.Tensor:
    """Per real face: an exact age (FG-NET, All-Age-Faces) is learnt as a UTKFace age is; an age group (FairFace) asks for the
    probability of the ages in it; the gender loss only where the gender is known. `teacher`: its age distributions
    and female probabilities on the same faces, learnt as loss_fn learns them, the two losses weighed by distill_weight
    (the labels' loss is no cross-entropy with a target distribution where the age is a group, so the losses are
    mixed, not the targets)."""
    classes = torch.arange(cfg.max_age + 1, dtype=torch.float32, device=age_logits.device)
    log_probs = F.log_softmax(age_logits, dim=1)
    low, high = age_range[:, 0].clamp(max=cfg.max_age), age_range[:, 1].clamp(max=cfg.max_age)
    exact = low == high
    exact_loss = (
        -(age_targets(low, cfg) * log_probs).sum(dim=1)
        + cfg.mean_loss_weight * ((log_probs.exp() * classes).sum(dim=1) - low).abs()
    )
    in_group = (classes[None] >= low[:, None]) & (classes[None] <= high[:, None])
    group_loss = -torch.logsumexp(log_probs.masked_fill(~in_group, -math.inf), dim=1)
    gender_loss = F.binary_cross_entropy_with_logits(female_logit, female.clamp(min=0).float(), reduction="none") * (
        female >= 0
    )
    loss = torch.where(exact, exact_loss, group_loss) + cfg.gender_loss_weight * gender_loss
    if teacher is None:
        return loss
    taught = (
        -(teacher[0] * log_probs).sum(dim=1)
        + cfg.mean_loss_weight * ((log_probs.exp() - teacher[0]) * classes).sum(dim=1).abs()
        + cfg.gender_loss_weight * F.binary_cross_entropy_with_logits(female_logit, teacher[1], reduction="none")
    )
    return (1 - cfg.distill_weight) * loss + cfg.distill_weight * taught


def real_photo_report(model: torch.nn.Module, real: RealFaces, cfg: TrainConfig) -> dict[str, float]:
    """The real photos' val parts: age error and bias where ages are exact, the share of age groups hit by the
    rounded estimate, gender accuracy and adult women read as men where genders are known, per set."""
    probs, logits = run_model(model, real.face_set(), cfg.input_size, cfg.flip_average)
    age = expected_age(probs)
    report: dict[str, float] = {}
    for name in dict.fromkeys(real.source):
        s, key = real.source == name, f"val_{name.replace('-', '_')}"
        low, high = real.age_range[s, 0], real.age_range[s, 1]
        exact = low == high
        if exact.any():
            error = age[s][exact] - low[exact]
            report |= {f"{key}_age_mae": float(np.abs(error).mean()), f"{key}_age_bias": float(error.mean())}
        if (~exact).any():
            rounded = np.round(age[s][~exact])
            report[f"{key}_age_group_accuracy"] = float(((rounded >= low[~exact]) & (rounded <= high[~exact])).mean())
        known = real.female[s] >= 0
        if known.any():
            called = logits[s][known] > 0
            female = real.female[s][known] == 1
            adult_women = female & (low[known] >= 20)
            report[f"{key}_gender_accuracy"] = float((called == female).mean())
            if adult_women.any():
                report[f"{key}_adult_women_read_as_men"] = float((~called[adult_women]).mean())
    return report


def learning_rate(step: int, total: int, warmup: int, peak: float) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda, but PyTorch sees no GPU here")
    return torch.device(name)


def validate(model: torch.nn.Module, val: FaceSet, cfg: TrainConfig, suffix: str = "") -> dict[str, float]:
    probs, logits = run_model(model, val, cfg.input_size, cfg.flip_average)
    return {
        f"val_age_mae{suffix}": float(np.abs(expected_age(probs) - val.ages).mean()),
        f"val_gender_accuracy{suffix}": float(((logits > 0) == (val.genders == 1)).mean()),
    }


def trained(model: AgeGenderNet, ema: AveragedModel | None) -> AgeGenderNet:
    """The weights validated after each epoch: their moving average when one is kept."""
    return model if ema is None else ema.module  # type: ignore[return-value]


def delivered(model: AgeGenderNet, ema: AveragedModel | None, log: list[dict]) -> tuple[AgeGenderNet, str]:
    """The weights a run delivers, and which ("raw" or "moving average"): the moving average, unless the raw
    weights had the lower val age error at the last epoch (in a short run the average still holds weights
    from the first epochs; v3's and v4's runs delivered the average by this rule too)."""
    last = log[-1] if log else {}
    if ema is None or last.get("val_age_mae_raw", math.inf) < last.get("val_age_mae", math.inf):
        return model, "raw"
    return trained(model, ema), "moving average"


def save_atomic(obj: object, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)


def load_own_weights(model: AgeGenderNet, path: str) -> None:
    """Weights of one of our models (exported model.json or model.pt) with the same architecture."""
    if path.endswith(".json"):
        from .tfjs_import import load_tfjs_model

        state = load_tfjs_model(path)[0].state_dict()
    else:
        state = torch.load(path, map_location="cpu", weights_only=False)["model"]
    # A model with real-photo heads (v9 on): training has none; real_photos.py fits them again afterwards.
    state = {k: v for k, v in state.items() if not k.startswith(("scan_head.", "scan_age_head."))}
    model.load_state_dict(state)  # strict: a different architecture or age range is an error


def load_teacher(path: str, device: torch.device) -> tuple[AgeGenderNet, int, bool]:
    """A trained model of ours to distil (frozen, eval mode), the input size it was trained at and whether
    its users average each face with its mirror image."""
    if path.endswith(".json"):
        from .tfjs_import import load_tfjs_model

        teacher, metadata = load_tfjs_model(path)
        size, flip = int(metadata["inputSize"]), bool(metadata.get("flipAverage", False))
    else:
        teacher, teacher_cfg, _ = load_trained(Path(path))
        size, flip = teacher_cfg.input_size, teacher_cfg.flip_average
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher.eval().to(device, memory_format=torch.channels_last), size, flip


def model_files(path: str) -> list[Path]:
    """The files a model of ours is read from: a model.pt, or a model.json and its weight shards."""
    if not path.endswith(".json"):
        return [Path(path)]
    manifest = json.loads(Path(path).read_text())
    return [Path(path)] + [
        Path(path).parent / f for group in manifest.get("weightsManifest", []) for f in group["paths"]
    ]


def local_model(ref: str, cache_dir: str) -> str:
    """A model's path as given, or for "git:REVISION:PATH" the model as committed at that revision, written out
    of the repository (run from its root) into the cache: recipes name the models they start from and distil
    by revision, since a path like the shipped model's later holds another."""
    if not ref.startswith("git:"):
        return ref
    parts = ref.split(":", 2)
    if len(parts) != 3 or not parts[1] or not parts[2]:
        raise ValueError(f"{ref}: expected git:REVISION:PATH (a model.json or model.pt as committed)")
    _, rev, path = parts

    def show(file: str) -> bytes:
        done = subprocess.run(["git", "show", f"{rev}:{file}"], capture_output=True)
        if done.returncode:
            raise ValueError(f"{ref}: git show {rev}:{file} failed: {done.stderr.decode().strip()}")
        return done.stdout

    files = {path: show(path)}
    if path.endswith(".json"):
        folder = Path(path).parent
        for group in json.loads(files[path]).get("weightsManifest", []):
            files.update({(folder / f).as_posix(): show((folder / f).as_posix()) for f in group["paths"]})
        files[(folder / "model-card.json").as_posix()] = show((folder / "model-card.json").as_posix())  # the app checks
    out = Path(cache_dir) / "git" / rev
    for file, data in files.items():
        (out / file).parent.mkdir(parents=True, exist_ok=True)
        tmp = (out / file).with_name(f"{(out / file).name}.{os.getpid()}.tmp")  # processes of one run write at once
        tmp.write_bytes(data)
        tmp.replace(out / file)
    return str(out / path)


def source_hashes(ref: str, path: str) -> dict[str, str]:
    """sha256 of each file of a model a run starts from or distils (its path may later hold another model), read
    from path, named as ref names it: a path, or git:REVISION:FILE for one local_model wrote out of git."""
    name: Callable[[Path], str] = str
    if ref.startswith("git:"):
        _, rev, file = ref.split(":", 2)
        root = Path(path.removesuffix(file))  # local_model's copy of the revision
        name = lambda f: f"git:{rev}:{f.relative_to(root).as_posix()}"  # noqa: E731
    return {name(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in model_files(path)}


def teacher_paths(cfg: TrainConfig) -> list[str]:
    return [p.strip() for p in cfg.teacher.split(",") if p.strip()]


# Part of the cache key: change it when what teacher_targets computes changes (preprocessing, mirror averaging).
TEACHER_TARGETS_VERSION = "plain resize, the teacher's own mirror averaging, uncalibrated; keyed by the pixels too"


def _one_teacher(
    path: str, cfg: TrainConfig, faces: FaceSet, which: str, device: torch.device, progress: bool
) -> tuple[np.ndarray, np.ndarray]:
    """One teacher's outputs on the faces, cached, keyed by its files and the faces (names and pixels: a real
    photo's face changes with the cut)."""
    key = hashlib.sha256(TEACHER_TARGETS_VERSION.encode())
    for f in model_files(path):
        key.update(f.read_bytes())
    key.update("\n".join(faces.names).encode())
    key.update(memoryview(np.ascontiguousarray(faces.images)).cast("B"))
    cache = Path(cfg.cache_dir) / f"teacher-{key.hexdigest()[:16]}.npz"
    if cache.exists():
        try:
            with np.load(cache) as z:
                probs, female = z["age_probs"], z["female_probs"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            pass  # unreadable: computed again and rewritten
        else:
            return probs, female
    teacher, size, flip = load_teacher(path, device)
    if teacher.max_age != cfg.max_age:  # before the long pass
        raise ValueError(f"{path} estimates ages 0..{teacher.max_age}, this run 0..{cfg.max_age}")
    probs, logits = run_model(teacher, faces, size, flip, progress=progress, desc=f"teacher {path} on the {which}")
    female = 1 / (1 + np.exp(-logits))
    save_npz_atomic(cache, age_probs=probs.astype(np.float32), female_probs=female.astype(np.float32))
    return probs, female


def teacher_targets(
    cfg: TrainConfig, teachers: list[str], faces: FaceSet, which: str, device: torch.device, progress: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """The teachers' age distributions and (uncalibrated) female probabilities on the clean faces, computed as
    users' inference runs each (plain resize to its own size, mirror-averaged if it is), averaged over the
    teachers (on clean val faces the ensemble's answers beat each member's; EXPERIMENTS.md says how much of
    that a fine-tuned student kept).

    Once per run instead of on every augmented batch: the teacher's forward pass was half of each training
    step, and the student learns to give, on a degraded or shifted face, what the teacher says of the clean one.
    """
    outputs = [_one_teacher(path, cfg, faces, which, device, progress) for path in teachers]
    for path, (probs, _) in zip(teachers, outputs):
        if probs.shape != (len(faces), cfg.max_age + 1):
            raise ValueError(f"{path} estimates ages 0..{probs.shape[1] - 1}, this run 0..{cfg.max_age}")
    probs, female = (np.mean([o[i] for o in outputs], axis=0, dtype=np.float64) for i in (0, 1))
    return torch.from_numpy(probs.astype(np.float32)).to(device), torch.from_numpy(female.astype(np.float32)).to(device)


class RunError(Exception):
    """A run that cannot start (its data, split, flags or models): main prints it and exits with status 2."""


def load_data(cfg: TrainConfig, procs: Processes, say: Callable[..., None]) -> tuple[dict[str, FaceSet], FaceSet, str]:
    """The parts of the split, the faces trained on (the train part, or --limit of it) and a summary of the data."""
    if not procs.is_main:
        procs.barrier()  # rank 0 decodes the data (and writes the cache and the split file) first
    try:
        faces, report = load_utkface(cfg.data, cfg.cache_dir, cfg.progress and procs.is_main)
    except DatasetError as e:
        raise RunError(str(e)) from e
    say(report.summary())
    split = load_or_make_split(cfg.split_file, faces, cfg.val_fraction, cfg.test_fraction, cfg.seed)
    if procs.is_main:
        procs.barrier()
    parts = {name: faces.subset(names) for name, names in split.items()}
    if min(len(p) for p in parts.values()) == 0:
        raise RunError(
            f"a part of the split is empty ({ {k: len(v) for k, v in parts.items()} }): "
            "use more faces or larger --val-fraction/--test-fraction"
        )
    train = parts["train"]
    if cfg.limit:
        train = train.subset(
            sorted(np.random.default_rng(cfg.seed).choice(train.names, min(cfg.limit, len(train)), replace=False))
        )
    say(
        f"split {cfg.split_file}: "
        + ", ".join(f"{k} {len(v)}" for k, v in parts.items())
        + f"; training on {len(train)}"
        + (f" in {procs.world_size} processes" if procs.distributed else "")
    )
    return parts, train, report.summary()


def load_real_photos(cfg: TrainConfig, say: Callable[..., None]) -> tuple[RealFaces | None, RealFaces | None]:
    """The real photos' train parts (of the sets real_mix draws from) and their val parts (None, None:
    --real-faces "")."""
    if not cfg.real_faces:
        return None, None
    sets = tuple(name for name in SETS if cfg.real_mix.weight(name) > 0)
    try:
        train = load_real_faces(cfg.real_faces, cfg.real_split, sets, ("train",))
        val = load_real_faces(cfg.real_faces, cfg.real_split, sets, ("val",))
    except (OSError, ValueError, KeyError) as e:
        raise RunError(f"cannot read --real-faces {cfg.real_faces} with --real-split {cfg.real_split}: {e}") from e
    if not len(train):
        raise RunError(f"no training faces in {cfg.real_faces} for the sets real_mix draws from ({', '.join(sets)})")
    shares = {name: cfg.real_mix.weight(name) * (train.source == name).sum() for name in sets}
    say(
        f"real photos: training on {len(train)} faces, {cfg.real_per_batch} a step with weight {cfg.real_weight}, drawn "
        + ", ".join(
            f"{name} {(train.source == name).sum()} ({n / sum(shares.values()):.0%})" for name, n in shares.items()
        )
        + f"; {len(val)} val faces reported"
    )
    return train, val


def initial_model(cfg: TrainConfig, device: torch.device) -> tuple[AgeGenderNet, dict[str, object]]:
    """The network training starts from (--init-from, ImageNet weights or random), and what it was read from."""
    net = AgeGenderNet(cfg.arch, cfg.max_age, cfg.dropout)
    sources: dict[str, object] = {}  # what the run started from and distilled, by content
    if cfg.init_from:
        try:
            init_from = local_model(cfg.init_from, cfg.cache_dir)
            load_own_weights(net, init_from)
            sources["init_from"] = source_hashes(cfg.init_from, init_from)
        except (OSError, ValueError, KeyError, RuntimeError) as e:
            raise RunError(f"cannot start from --init-from {cfg.init_from}: {e}") from e
    elif cfg.pretrained:
        load_imagenet_weights(net)
    return net.to(device, memory_format=torch.channels_last), sources  # 2-3x faster convolutions on the CPU


def distillation_targets(
    cfg: TrainConfig, faces: FaceSet, which: str, device: torch.device, procs: Processes, say: Callable[..., None]
) -> tuple[tuple[torch.Tensor, torch.Tensor], list[dict[str, str]]]:
    """The teachers' outputs on training faces (teacher_targets; `which` names them), and the sha256 of each
    teacher's files."""
    if not procs.is_main:
        procs.barrier()  # rank 0 runs the teacher and writes the cache first; the others then read it
    try:
        teachers = [local_model(path, cfg.cache_dir) for path in teacher_paths(cfg)]
        targets = teacher_targets(cfg, teachers, faces, which, device, cfg.progress and procs.is_main)
        hashes = [source_hashes(ref, path) for ref, path in zip(teacher_paths(cfg), teachers)]
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        raise RunError(f"cannot distil --teacher {cfg.teacher}: {e}") from e
    if procs.is_main:
        procs.barrier()
    whose = "their averaged outputs" if len(teacher_paths(cfg)) > 1 else "its outputs"
    say(f"distilling {cfg.teacher} ({whose} on the clean {which}) with weight {cfg.distill_weight}")
    return targets, hashes


@dataclass
class TrainingData:
    """What every step draws from: the training faces (and the teachers' targets for them, on the device), the
    alignment transforms they are cut through, and the real photos trained on beside them."""

    faces: FaceSet
    ages: torch.Tensor  # the faces' ages (capped at max_age) and genders, on the device once, indexed each step
    genders: torch.Tensor
    taught: tuple[torch.Tensor, torch.Tensor] | None
    jitter: np.ndarray | None
    real: RealFaces | None
    real_labels: tuple[torch.Tensor, torch.Tensor] | None  # the real photos' age ranges and genders, on the device
    real_draw: torch.Tensor | None  # each real face's chance to be drawn (real_mix)
    real_taught: tuple[torch.Tensor, torch.Tensor] | None = None  # the teachers' targets for them (distill_real_faces)


def resume_or_start(
    cfg: TrainConfig,
    out: Path,
    net: AgeGenderNet,
    optimizer: torch.optim.Optimizer,
    ema: AveragedModel | None,
    say: Callable[..., None],
) -> tuple[int, list[dict]]:
    """The epoch to start at and the log of the epochs done: with --resume, those of out's checkpoint (whose weights,
    optimizer state and moving average are loaded); else 0 and none."""
    checkpoint_path = out / "checkpoint.pt"
    if not cfg.resume:
        return 0, []
    if not checkpoint_path.exists():
        say(f"no checkpoint at {checkpoint_path}: starting from scratch")
        return 0, []
    state = torch.load(checkpoint_path, map_location="cpu", weights_only=False)
    net.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if ema is not None:
        ema.load_state_dict(state["ema"])
    start_epoch = state["epoch"] + 1
    # Checkpoints from before the log was kept in them: the log file's lines of the epochs they hold.
    old_log = out / "log.jsonl"
    log = state.get("log") or (
        [json.loads(line) for line in old_log.read_text().splitlines()[:start_epoch]] if old_log.exists() else []
    )
    say(f"resumed from {checkpoint_path} after epoch {start_epoch}")
    return start_epoch, log


def batch_loss(
    model: torch.nn.Module,
    data: TrainingData,
    batch: torch.Tensor,
    cfg: TrainConfig,
    augment_gen: torch.Generator,
    procs: Processes,
    device: torch.device,
) -> tuple[torch.Tensor, float]:
    """This process's share of the batch (and real photos beside it), augmented, through the model: its loss,
    weighted by the share, and the share."""
    idx = procs.share_of(batch)
    rows, faces = idx.numpy(), data.faces
    x = augment(faces.images[rows], cfg.input_size, augment_gen, device, cfg.degradations, cfg.geometry, data.jitter)
    if data.real is not None:  # real faces are already photos: no degradations, and cut as the app cuts
        assert data.real_draw is not None
        picked = torch.multinomial(data.real_draw, cfg.real_per_batch, replacement=True, generator=augment_gen).numpy()
        x = torch.cat([x, augment(data.real.images[picked], cfg.input_size, augment_gen, device, None, cfg.geometry)])
    age_logits, female_logit = model(x)
    n = len(idx)
    # Weighted by this process's share, so that the gradient averaged over processes is the whole batch's.
    share = n * procs.world_size / len(batch)
    taught = None if data.taught is None else (data.taught[0][idx], data.taught[1][idx])
    loss = loss_fn(age_logits[:n], female_logit[:n], data.ages[idx], data.genders[idx], cfg, taught) * share
    if data.real_labels is not None:
        age_range, female = (labels[picked] for labels in data.real_labels)
        real_taught = None if data.real_taught is None else (data.real_taught[0][picked], data.real_taught[1][picked])
        real_loss = real_photo_loss(age_logits[n:], female_logit[n:], age_range, female, cfg, real_taught)
        loss = loss + cfg.real_weight * real_loss.sum() / n * share
    return loss, share


def train_epoch(
    model: torch.nn.Module,
    net: AgeGenderNet,
    ema: AveragedModel | None,
    optimizer: torch.optim.Optimizer,
    data: TrainingData,
    cfg: TrainConfig,
    epoch: int,
    procs: Processes,
    device: torch.device,
) -> float:
    """One pass over the training faces, its batches, augmentations and dropout drawn from the epoch's own seeds;
    the mean loss of its steps over every process."""
    model.train()
    steps_per_epoch = math.ceil(len(data.faces) / cfg.batch_size)
    total_steps, warmup = steps_per_epoch * cfg.epochs, int(cfg.warmup_epochs * steps_per_epoch)
    epoch_seed = cfg.seed * 1000 + epoch
    gen = torch.Generator().manual_seed(epoch_seed)  # same batches and augmentations on resume
    order = torch.randperm(len(data.faces), generator=gen)
    # Process 0 draws its augmentations from `gen` (so one process trains as it always did), the others from seeds of their own.
    augment_gen = gen if procs.is_main else torch.Generator().manual_seed(epoch_seed + 7919 * procs.rank)
    torch.manual_seed(epoch_seed + procs.rank)  # dropout
    total_loss, steps = 0.0, 0
    bar = tqdm(
        range(steps_per_epoch),
        desc=f"epoch {epoch + 1}/{cfg.epochs}",
        disable=not (cfg.progress and procs.is_main),
        unit="batch",
    )
    for i in bar:
        batch = order[i * cfg.batch_size : (i + 1) * cfg.batch_size]
        if len(batch) < procs.world_size:
            continue  # a last batch too small to share (every process skips it)
        lr = learning_rate(epoch * steps_per_epoch + i, total_steps, warmup, cfg.lr)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss, share = batch_loss(model, data, batch, cfg, augment_gen, procs, device)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if ema is not None:
            ema.update_parameters(net)
        total_loss += loss.item() / procs.world_size
        steps += 1
        bar.set_postfix(loss=f"{loss.item() / share:.3f}", lr=f"{lr:.2e}")
    return procs.sum(total_loss) / max(1, steps)


def epoch_report(
    net: AgeGenderNet, ema: AveragedModel | None, val: FaceSet, real_val: RealFaces | None, cfg: TrainConfig
) -> dict[str, float]:
    """The val figures of the weights trained so far (and of the raw weights, when a moving average is kept), and
    the real photos' val parts'."""
    report = validate(trained(net, ema), val, cfg)
    if ema is not None:  # the raw weights too, to show what averaging buys
        report |= validate(net, val, cfg, suffix="_raw")
    if real_val is not None and len(real_val):
        report |= real_photo_report(trained(net, ema), real_val, cfg)
    return report


def save_checkpoint(
    out: Path,
    epoch: int,
    log: list[dict],
    net: AgeGenderNet,
    optimizer: torch.optim.Optimizer,
    ema: AveragedModel | None,
    cfg: TrainConfig,
) -> None:
    """checkpoint.pt: everything --resume continues from after this epoch."""
    checkpoint = {
        "model": net.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": epoch,
        "log": log,
        "ema": ema.state_dict() if ema is not None else None,
        "config": cfg.to_dict(),
    }
    save_atomic(checkpoint, out / "checkpoint.pt")


def save_model(
    out: Path,
    net: AgeGenderNet,
    which: str,
    cfg: TrainConfig,
    argv: list[str],
    device: torch.device,
    procs: Processes,
    sources: dict[str, object],
) -> None:
    """model.pt: the delivered weights, the config and command line, where they were trained and what from."""
    trained_on = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    if procs.distributed:
        trained_on = f"{procs.world_size} x {trained_on}"
    save_atomic(
        {
            "model": {k: v.cpu() for k, v in net.state_dict().items()},  # loadable on a machine without the GPU
            "config": cfg.to_dict(),
            "argv": argv,
            "trained_on": trained_on,
            "delivered_weights": which,
            "sources": sources,
        },
        out / "model.pt",
    )


def run(cfg: TrainConfig, argv: list[str]) -> None:
    """The whole run: data, model, epochs (each logged and checkpointed), then model.pt and metrics.json."""
    try:
        device = resolve_device(cfg.device)
    except (ValueError, RuntimeError) as e:
        raise RunError(str(e)) from e
    procs, device = start_processes(device)
    say = print if procs.is_main else (lambda *args, **kwargs: None)
    if cfg.batch_size < procs.world_size:
        raise RunError(
            f"--batch-size {cfg.batch_size} is split between {procs.world_size} processes: use at least one face each"
        )
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)

    parts, train_faces, data_summary = load_data(cfg, procs, say)
    try:
        jitter = load_alignment_jitter(cfg.alignment_jitter) if cfg.alignment_jitter else None
    except (OSError, ValueError) as e:
        raise RunError(f"cannot read --alignment-jitter {cfg.alignment_jitter}: {e}") from e
    real_train, real_val = load_real_photos(cfg, say)
    net, sources = initial_model(cfg, device)
    taught = real_taught = None
    if cfg.distill_real_faces and not (cfg.teacher and real_train is not None):
        raise RunError("--distill-real-faces needs a --teacher and --real-faces")
    if cfg.teacher:
        taught, sources["teachers"] = distillation_targets(
            cfg, train_faces, "UTKFace training faces", device, procs, say
        )
    if cfg.distill_real_faces and real_train is not None:
        real_taught, _ = distillation_targets(cfg, real_train.face_set(), "real training faces", device, procs, say)
    data = TrainingData(
        train_faces,
        torch.from_numpy(np.minimum(train_faces.ages, cfg.max_age)).to(device),
        torch.from_numpy(train_faces.genders).to(device),
        taught,
        jitter,
        real_train,
        None
        if real_train is None
        else (torch.from_numpy(real_train.age_range).to(device), torch.from_numpy(real_train.female).to(device)),
        None
        if real_train is None
        else torch.tensor([cfg.real_mix.weight(name) for name in real_train.source], dtype=torch.float64),
        real_taught,
    )

    # The average of the weights over the last few hundred steps, batch-norm statistics included.
    ema = (
        AveragedModel(net, multi_avg_fn=get_ema_multi_avg_fn(cfg.ema_decay), use_buffers=True)
        if cfg.ema_decay
        else None
    )
    optimizer = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    start_epoch, log = resume_or_start(cfg, out, net, optimizer, ema, say)
    if procs.is_main:  # the log of the epochs the checkpoint holds, whatever a killed run left behind
        (out / "log.jsonl").write_text("".join(json.dumps(entry) + "\n" for entry in log))
    # Gradients are averaged between processes after each backward pass; each holds the same weights.
    model = DistributedDataParallel(net) if procs.distributed else net

    for epoch in range(start_epoch, cfg.epochs):
        started = time.time()
        train_loss = train_epoch(model, net, ema, optimizer, data, cfg, epoch, procs, device)
        if procs.is_main:
            entry = {
                "epoch": epoch + 1,
                "train_loss": train_loss,
                **epoch_report(net, ema, parts["val"], real_val, cfg),
            }
            entry["seconds"] = round(time.time() - started, 1)
            log.append(entry)
            save_checkpoint(out, epoch, log, net, optimizer, ema, cfg)
            with open(out / "log.jsonl", "a") as f:
                f.write(json.dumps(entry) + "\n")
            print(json.dumps(entry), flush=True)

    procs.check_identical(torch.cat([p.detach().flatten().cpu() for p in net.parameters()]), "weights")
    procs.stop()
    if not procs.is_main:
        return
    net, which = delivered(net, ema, log)
    say(
        f"delivering the {which} weights"
        + (" (lower val age error than their moving average at the last epoch)" if ema and which == "raw" else "")
    )
    save_model(out, net, which, cfg, argv, device, procs, sources)
    evaluate_and_save(out, net, cfg, parts, data_summary, cfg.flip_average, cfg.progress)


def main(argv: list[str] | None = None) -> int:
    cfg = parse_config(argv, description=__doc__ or "")
    try:
        run(cfg, sys.argv[1:] if argv is None else argv)
    except RunError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
