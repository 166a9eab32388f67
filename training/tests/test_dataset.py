import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURE_FACES

from agegender_train.dataset import DatasetError, FaceLabels, load_utkface, parse_utkface_name

# The five malformed names of the public release, as the data README describes them.
MALFORMED = [
    "24_0_1_20170116220224657 .jpg.chip.jpg",  # space before .jpg
    "39_1_20170116174525125.jpg.chip.jpg",  # race field missing
    "61_1_20170109142408075.jpg.chip.jpg",
    "55_0_0_20170116232725357jpg.chip.jpg",  # dot missing
]


def test_parses_well_formed_names() -> None:
    assert parse_utkface_name("26_1_3_20170117154624413.jpg.chip.jpg") == FaceLabels(26, 1, 3)
    assert parse_utkface_name("some/dir/100_0_4_20170112213500903.jpg.chip.jpg") == FaceLabels(100, 0, 4)


@pytest.mark.parametrize(
    "name",
    MALFORMED
    + [
        "30_2_0_20170117154624413.jpg.chip.jpg",
        "30_0_7_20170117154624413.jpg.chip.jpg",
        "999_0_0_20170117154624413.jpg.chip.jpg",
        "face.jpg",
    ],
)
def test_rejects_malformed_names_with_a_reason(name: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        parse_utkface_name(name)


def test_race_field_missing_says_so() -> None:
    with pytest.raises(ValueError, match="found 3 fields"):
        parse_utkface_name(MALFORMED[1])


def _folder_with_bad_files(tmp_path: Path) -> Path:
    folder = tmp_path / "faces"
    folder.mkdir()
    good = sorted(FIXTURE_FACES.glob("*.chip.jpg"))[:3]
    for src in good:
        (folder / src.name).write_bytes(src.read_bytes())
    for name in MALFORMED:
        (folder / name).write_bytes(good[0].read_bytes())
    (folder / "30_0_1_20170117000000000.jpg.chip.jpg").write_bytes(b"\xff\xd8 truncated jpeg")
    (folder / "notes.txt").write_text("not a face")
    return folder


def test_reader_reports_and_skips_malformed_and_broken_files(tmp_path: Path) -> None:
    faces, report = load_utkface(_folder_with_bad_files(tmp_path), cache_dir=tmp_path / "cache", progress=False)
    assert len(faces) == 3 and report.faces == 3 and report.files == 3 + len(MALFORMED) + 2
    assert sorted(n for n, _ in report.malformed) == sorted(MALFORMED + ["notes.txt"])
    assert [n for n, _ in report.unreadable] == ["30_0_1_20170117000000000.jpg.chip.jpg"]
    assert faces.images.shape == (3, 200, 200, 3)
    assert "5 malformed names, 1 unreadable" in report.summary()
    # The cache gives back the same faces and the same report.
    again, report2 = load_utkface(tmp_path / "faces", cache_dir=tmp_path / "cache", progress=False)
    assert (
        again.names == faces.names and (again.images == faces.images).all() and report2.unreadable == report.unreadable
    )


def test_reader_takes_tar_gz_and_zip(tmp_path: Path) -> None:
    files = sorted(FIXTURE_FACES.glob("*.chip.jpg"))[:4]
    with tarfile.open(tmp_path / "utk.tar.gz", "w:gz") as tar:
        for f in files:
            tar.add(f, arcname=f"UTKFace/{f.name}")
    with zipfile.ZipFile(tmp_path / "utk.zip", "w") as z:
        for f in files:
            z.write(f, arcname=f"UTKFace/{f.name}")
    for archive in ("utk.tar.gz", "utk.zip"):
        faces, report = load_utkface(tmp_path / archive, progress=False)
        assert sorted(faces.names) == sorted(f.name for f in files), archive
        assert report.malformed == [] and report.unreadable == []


def test_missing_and_empty_data_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found"):
        load_utkface(tmp_path / "nowhere", progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no files"):
        load_utkface(tmp_path / "empty", progress=False)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "1_0_0_20170101000000000.jpg.chip.jpg").write_bytes(b"junk")
    with pytest.raises(DatasetError, match="no usable faces"):
        load_utkface(tmp_path / "junk", progress=False)
