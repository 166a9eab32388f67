"""Fuzzing the training reader (hypothesis): random bytes, truncated and bit-flipped JPEG/PNG/WebP, empty files,
a decompression bomb and a folder named like a face. Each is a face or a one-line entry in the report; the
good face beside it is always read; nothing raises."""

import io
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np
from conftest import FIXTURE_FACES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from agegender_train.dataset import load_utkface

GOOD = sorted(FIXTURE_FACES.glob("*.chip.jpg"))[0]
FUZZED_NAME = "30_0_1_20170117000000000.jpg.chip.jpg"


def encoded(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.open(GOOD).convert("RGB").resize((64, 64)).save(out, format=fmt)
    return out.getvalue()


SAMPLES = {fmt: encoded(fmt) for fmt in ("JPEG", "PNG", "WEBP")}


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header saying width x height, with a few bytes of compressed nothing after it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


def read_beside_a_good_face(content: bytes | None) -> tuple[list[str], list[tuple[str, str]]]:
    """load_utkface over a folder with the good face and `content` (None: a folder named like a face)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / GOOD.name).write_bytes(GOOD.read_bytes())
        if content is None:
            (folder / FUZZED_NAME).mkdir()
        else:
            (folder / FUZZED_NAME).write_bytes(content)
        faces, report = load_utkface(folder, cache_dir=None, progress=False)
        assert faces.images.dtype == np.uint8 and faces.images.shape[1:] == (200, 200, 3)
        return faces.names, report.unreadable


def assert_face_or_one_line_error(content: bytes | None) -> None:
    names, unreadable = read_beside_a_good_face(content)
    assert GOOD.name in names, "the good face next to a broken file is read"
    if FUZZED_NAME in names:
        assert unreadable == []
    else:
        assert [n for n, _ in unreadable] == [FUZZED_NAME]
        reason = unreadable[0][1]
        assert reason and "\n" not in reason, reason


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes(content: bytes) -> None:
    assert_face_or_one_line_error(content)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(SAMPLES)), st.floats(0, 1, exclude_max=True))
def test_truncated_images(fmt: str, keep: float) -> None:
    data = SAMPLES[fmt]
    assert_face_or_one_line_error(data[: int(len(data) * keep)])


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(sorted(SAMPLES)),
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 7)), min_size=1, max_size=8),
)
def test_bit_flipped_images(fmt: str, flips: list[tuple[float, int]]) -> None:
    data = bytearray(SAMPLES[fmt])
    for where, bit in flips:
        data[int(where * len(data))] ^= 1 << bit
    assert_face_or_one_line_error(bytes(data))  # one that still decodes is a face like any other


def test_empty_file_bomb_and_folder_are_one_line_errors() -> None:
    # PIL refuses 60000 x 60000 itself; 12000 x 12000 it would only warn about, and try to decode.
    for content, says in (
        (b"", "cannot identify image file"),
        (png_claiming(60000, 60000), "could be decompression bomb"),
        (png_claiming(12000, 12000), "image too large to decode (12000 x 12000 pixels)"),
        (None, "IsADirectoryError"),
    ):
        names, unreadable = read_beside_a_good_face(content)
        assert names == [GOOD.name] and len(unreadable) == 1 and says in unreadable[0][1], unreadable
