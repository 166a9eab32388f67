"""Read UTKFace chips (a folder, .tar.gz or .zip) into labelled, decoded arrays, with a cache.

Labels come from the file names `age_gender_race_datetime.jpg.chip.jpg`. Files whose names do not
follow that pattern, or that do not decode as images, are reported with counts and examples and
skipped: never guessed, never a crash.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tarfile
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

# Decoded faces are stored at this size; the training pipeline resamples from it.
SOURCE_SIZE = 200
MAX_AGE_IN_NAME = 130
# A header claiming more pixels than this is refused before decoding (a chip is 200 x 200; the CLI and the
# page scale photos down to 4096 on the longer side): a decompression bomb never reaches the decoder.
MAX_PIXELS = 4096 * 4096
# ASCII digits only, and nothing after the name (not even a newline): as src/lib/utkface.ts reads it.
_NAME = re.compile(r"(\d+)_(\d+)_(\d+)_(\d+)\.jpg\.chip\.jpg", re.ASCII)
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


class DatasetError(Exception):
    """The data set cannot be used at all (missing, empty, unsupported archive)."""


@dataclass(frozen=True)
class FaceLabels:
    age: int
    gender: int  # 0 male, 1 female
    race: int  # 0 White, 1 Black, 2 Asian, 3 Indian, 4 Others


def parse_utkface_name(name: str) -> FaceLabels:
    """Labels from a UTKFace file name; raises ValueError saying what is wrong with it."""
    base = re.split(r"[\\/]", name)[-1]  # a path with either separator is fine
    m = _NAME.fullmatch(base)
    if not m:
        fields = base.split("_")
        if len(fields) < 4:
            raise ValueError(f"expected age_gender_race_datetime, found {len(fields)} fields")
        raise ValueError("does not match age_gender_race_datetime.jpg.chip.jpg")
    age, gender, race = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not 0 <= age <= MAX_AGE_IN_NAME:
        raise ValueError(f"age {age} out of range 0..{MAX_AGE_IN_NAME}")
    if gender not in (0, 1):
        raise ValueError(f"gender {gender} is neither 0 nor 1")
    if race not in range(5):
        raise ValueError(f"race {race} is not in 0..4")
    return FaceLabels(age, gender, race)


@dataclass
class DatasetReport:
    source: str
    files: int = 0
    faces: int = 0
    malformed: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    def summary(self, examples: int = 3) -> str:
        lines = [
            f"{self.source}: {self.files} files, {self.faces} faces used, "
            f"{len(self.malformed)} malformed names, {len(self.unreadable)} unreadable"
        ]
        for title, items in (("malformed name", self.malformed), ("unreadable", self.unreadable)):
            for name, why in items[:examples]:
                lines.append(f"  skipped ({title}): {name!r}: {why}")
            if len(items) > examples:
                lines.append(f"  ... and {len(items) - examples} more {title}s")
        return "\n".join(lines)


@dataclass
class FaceSet:
    names: list[str]
    images: np.ndarray  # uint8 [N, SOURCE_SIZE, SOURCE_SIZE, 3]
    ages: np.ndarray  # int64 [N]
    genders: np.ndarray  # int64 [N]
    races: np.ndarray  # int64 [N]

    def __len__(self) -> int:
        return len(self.names)

    def even_sample(self, count: int) -> FaceSet:
        """`count` faces spread evenly over the (sorted) names; all of them when count is 0 or too large."""
        if not count or count >= len(self):
            return self
        return self.subset([self.names[i * len(self) // count] for i in range(count)])

    def subset(self, names: list[str]) -> FaceSet:
        index = {n: i for i, n in enumerate(self.names)}
        idx = np.array([index[n] for n in names], dtype=np.int64)
        return FaceSet(list(names), self.images[idx], self.ages[idx], self.genders[idx], self.races[idx])


def _list_source(path: Path) -> tuple[list[str], Callable[[str], bytes]]:
    """File names (basenames) in a folder or archive, and a reader for one of them."""
    if not path.exists():
        raise DatasetError(f"UTKFace data not found at {path} (expected a folder, .tar.gz or .zip of face chips)")
    if path.is_dir():
        # Folders too, though named like images: reading one fails and is reported like any unreadable file.
        names = sorted(p.name for p in path.iterdir() if not p.name.startswith("."))
        return names, lambda n: (path / n).read_bytes()
    if path.name.endswith((".tar.gz", ".tgz", ".tar")):
        tar = tarfile.open(path)
        members = {
            Path(m.name).name: m for m in tar.getmembers() if m.isfile() and not Path(m.name).name.startswith(".")
        }
        return sorted(members), lambda n: tar.extractfile(members[n]).read()  # type: ignore[union-attr]
    if path.name.endswith(".zip"):
        archive = zipfile.ZipFile(path)
        members = {
            Path(i.filename).name: i
            for i in archive.infolist()
            if not i.is_dir() and not Path(i.filename).name.startswith(".")
        }
        return sorted(members), lambda n: archive.read(members[n])
    raise DatasetError(f"{path} is neither a folder nor a .tar.gz/.zip archive")


def _decode(data: bytes) -> np.ndarray:
    with warnings.catch_warnings():  # PIL warns of large images; MAX_PIXELS refuses them with a message of our own
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return _decode_image(data)


def _decode_image(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        if img.width * img.height > MAX_PIXELS:
            raise ValueError(f"image too large to decode ({img.width} x {img.height} pixels)")
        img = img.convert("RGB")
        if img.size != (SOURCE_SIZE, SOURCE_SIZE):
            img = img.resize((SOURCE_SIZE, SOURCE_SIZE), Image.BILINEAR)
        return np.asarray(img, dtype=np.uint8)


def _labelled_names(names: list[str], report: DatasetReport) -> Iterator[tuple[str, FaceLabels]]:
    for name in names:
        if not name.lower().endswith(_IMAGE_SUFFIXES):
            report.malformed.append((name, "not an image file name"))
            continue
        try:
            yield name, parse_utkface_name(name)
        except ValueError as e:
            report.malformed.append((name, str(e)))


def save_npz_atomic(path: Path, **arrays: np.ndarray) -> None:
    """np.savez through a file of this process's own, renamed into place: several processes may write at once,
    and an interrupted run never leaves a half-written cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path)


def load_utkface(
    data: str | Path, cache_dir: str | Path | None = None, progress: bool = True
) -> tuple[FaceSet, DatasetReport]:
    """Decode every well-named, readable face in `data`; reuse a cache keyed by the file list."""
    path = Path(data)
    names, read = _list_source(path)
    report = DatasetReport(source=str(path), files=len(names))
    if not names:
        raise DatasetError(f"no files in {path}")
    labelled = list(_labelled_names(names, report))

    cache_file = None
    if cache_dir is not None:
        key = hashlib.sha1(("\n".join(names) + str(path.resolve())).encode()).hexdigest()[:16]
        cache_file = Path(cache_dir) / f"utkface-{SOURCE_SIZE}-{key}.npz"
        if cache_file.exists():
            with np.load(cache_file, allow_pickle=False) as z:
                cached = FaceSet(list(map(str, z["names"])), z["images"], z["ages"], z["genders"], z["races"])
                report.unreadable = list(zip(map(str, z["unreadable_names"]), map(str, z["unreadable_reasons"])))
            report.faces = len(cached)
            return cached, report

    images = np.zeros((len(labelled), SOURCE_SIZE, SOURCE_SIZE, 3), dtype=np.uint8)
    kept: list[tuple[str, FaceLabels]] = []
    for name, labels in tqdm(labelled, desc="decoding faces", disable=not progress, unit="img"):
        try:
            images[len(kept)] = _decode(read(name))
        except Exception as e:  # PIL raises many types for broken files
            report.unreadable.append((name, " ".join(f"{type(e).__name__}: {e}".split())))  # one line
            continue
        kept.append((name, labels))
    if not kept:
        raise DatasetError(f"no usable faces in {path}\n{report.summary()}")
    faces = FaceSet(
        names=[n for n, _ in kept],
        images=images[: len(kept)],
        ages=np.array([lab.age for _, lab in kept], dtype=np.int64),
        genders=np.array([lab.gender for _, lab in kept], dtype=np.int64),
        races=np.array([lab.race for _, lab in kept], dtype=np.int64),
    )
    report.faces = len(faces)
    if cache_file is not None:
        save_npz_atomic(
            cache_file,
            names=np.array(faces.names),
            images=faces.images,
            ages=faces.ages,
            genders=faces.genders,
            races=faces.races,
            unreadable_names=np.array([n for n, _ in report.unreadable], dtype=str),
            unreadable_reasons=np.array([w for _, w in report.unreadable], dtype=str),
        )
    return faces, report
