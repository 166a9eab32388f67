"""npm run cut:faces (training/faces/cutFaces.ts) on a made-up set: every labelled photo gets a row in labels order,
found faces a 200 x 200 chip, an unreadable file its reason; a second run cuts nothing, a killed one continues."""

import csv
import json
import shutil
import subprocess
from pathlib import Path

from conftest import FIXTURE_FACES, REPO_ROOT
from PIL import Image


def _cut(data: Path, out: Path) -> subprocess.CompletedProcess[str]:
    command = ["npx", "--no-install", "tsx", "training/faces/cutFaces.ts", "--data", str(data), "--out", str(out)]
    return subprocess.run([*command, "--sets", "fgnet-dev"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


def _index(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(open(out / "fgnet-dev" / "index.csv", newline="")))


def test_cut_faces_cuts_every_photo_once_and_continues_a_killed_run(tmp_path: Path, node_ready: None) -> None:
    images = tmp_path / "data" / "real-photos" / "fgnet-dev" / "images"
    images.mkdir(parents=True)
    chips = sorted(FIXTURE_FACES.glob("*.chip.jpg"))[:3]
    rows = [{"file": f"00{i}A{20 + i}.JPG", "person": str(i), "age": str(20 + i)} for i in range(3)]
    for row, chip in zip(rows, chips):
        shutil.copy(chip, images / row["file"])
    rows.append({"file": "009A09.JPG", "person": "9", "age": "9"})
    (images / "009A09.JPG").write_bytes(b"not a photo")
    with open(images.parent / "labels.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "faces"

    done = _cut(tmp_path / "data", out)
    assert done.returncode == 0, done.stderr
    index = _index(out)
    assert [r["file"] for r in index] == [r["file"] for r in rows]
    assert [r["found"] for r in index] == ["1", "1", "1", "0"] and index[0]["age"] == "20"
    assert index[3]["error"] and not index[0]["error"]
    for r in index[:3]:
        assert Image.open(out / "fgnet-dev" / "faces" / f"{r['file']}.png").size == (200, 200)
    assert "already cut" in _cut(tmp_path / "data", out).stdout  # same detector and labels: nothing to do

    # A run killed after two photos: its rows and key are there, the index is not.
    key = json.loads((out / "fgnet-dev" / "index.json").read_text())["key"]
    (out / "fgnet-dev" / "index.json").unlink()
    (out / "fgnet-dev" / "index.csv").unlink()
    (out / "fgnet-dev" / "partial.json").write_text(json.dumps({"key": key}))
    with open(out / "fgnet-dev" / "index.partial.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(index[0]))
        writer.writeheader()
        writer.writerows(index[:2])
    for row in (rows[0], rows[2]):
        (out / "fgnet-dev" / "faces" / f"{row['file']}.png").unlink()
    done = _cut(tmp_path / "data", out)
    assert done.returncode == 0, done.stderr
    assert _index(out) == index and (out / "fgnet-dev" / "faces" / f"{rows[2]['file']}.png").exists()
    assert not (out / "fgnet-dev" / "faces" / f"{rows[0]['file']}.png").exists()  # done before the kill: not cut again
    assert not (out / "fgnet-dev" / "index.partial.csv").exists()
