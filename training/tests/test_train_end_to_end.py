"""Train a tiny model on a few dozen faces, export it, and predict with the CLI, as a user would."""

import csv
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, make_utkface_folder, run_cli, tiny_run_args

from agegender_train import export, train


def test_train_export_predict(tmp_path: Path, node_ready: None, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_utkface_folder(tmp_path / "utk", 40)
    run, models = tmp_path / "run", tmp_path / "public-model"
    jitter = str(REPO_ROOT / "training" / "geometry" / "alignment-jitter.json")
    args = tiny_run_args(data, tmp_path, run) + ["--ema-decay", "0.9", "--alignment-jitter", jitter]
    assert train.main(args + ["--epochs", "1"]) == 0
    assert [json.loads(line)["epoch"] for line in (run / "log.jsonl").read_text().splitlines()] == [1]
    # --resume continues after the saved epoch instead of starting again.
    assert train.main(args + ["--epochs", "2", "--resume"]) == 0
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [entry["epoch"] for entry in log] == [1, 2]
    assert all({"val_age_mae", "val_age_mae_raw", "val_gender_accuracy_raw"} <= set(entry) for entry in log)
    # The delivered weights are the moving average, or the last step's if those validated better at the last epoch.
    checkpoint, delivered = (torch.load(run / name, weights_only=False) for name in ("checkpoint.pt", "model.pt"))
    weight = "gender_head.weight"
    averaged, raw = checkpoint["ema"][f"module.{weight}"], checkpoint["model"][weight]
    assert not torch.equal(averaged, raw)
    average_won = log[-1]["val_age_mae"] <= log[-1]["val_age_mae_raw"]
    assert torch.equal(delivered["model"][weight], averaged if average_won else raw)
    assert delivered["delivered_weights"] == ("moving average" if average_won else "raw")
    metrics = json.loads((run / "metrics.json").read_text())
    assert set(metrics["splits"]) == {"train", "val", "test"}
    assert set(metrics["splits"]["test"]) >= {"overall", "by_age_band", "by_gender", "by_race", "largest_gap"}
    # Calibrated on val and its degraded copies, one interval scale per band of predicted age.
    assert [b["from_age"] for b in metrics["calibration"]["interval_bands"]] == [0, 4, 9, 19, 29, 41, 61, 81]
    shift = metrics["shift"]["conditions"]
    assert {"clean", "old scan", "dim light", "turned head", "detected + aligned"} <= set(shift)
    assert all(m["n"] == 10 and -100 < m["age_bias"] < 100 and 0 <= m["interval_coverage"] <= 1 for m in shift.values())

    assert export.main(["--run", str(run), "--out", str(models)]) == 0
    card = json.loads((models / "model-card.json").read_text())
    assert card["training"]["seed"] == 1234 and "--arch tiny" in card["training"]["command"]
    # A tiny run learns from UTKFace alone (no ImageNet start, no real photos), and its card says so.
    assert [d["set"] for d in card["license"]["data"]] == ["utkface"]
    assert card["license"]["weights"].endswith("the strictest non-commercial research only")
    assert card["training"]["trained_on"] == ("cpu" if not torch.cuda.is_available() else torch.cuda.get_device_name())
    assert card["size"]["total_bytes"] == sum(p.stat().st_size for p in models.iterdir() if p.name != "model-card.json")
    assert card["size"]["sha256"]["weights.bin"] == hashlib.sha256((models / "weights.bin").read_bytes()).hexdigest()

    # A run can start from an exported model of ours (v4 is v3 fine-tuned); a different network is a clear error.
    tuned = tmp_path / "tuned"
    assert train.main(args + ["--epochs", "1", "--out-dir", str(tuned), "--init-from", str(models / "model.json")]) == 0
    assert (tuned / "model.pt").exists()
    assert (
        train.main(
            args
            + [
                "--arch",
                "efficientnet_lite0",
                "--out-dir",
                str(tmp_path / "wrong"),
                "--init-from",
                str(models / "model.json"),
            ]
        )
        == 2
    )
    assert "cannot start from --init-from" in capsys.readouterr().err

    # Distillation: a smaller-input student taught by the exported model (as the fast model is by the shipped one).
    student = tmp_path / "student"
    assert (
        train.main(
            args
            + [
                "--epochs",
                "1",
                "--out-dir",
                str(student),
                "--input-size",
                "32",
                "--teacher",
                str(models / "model.json"),
                "--distill-weight",
                "0.7",
            ]
        )
        == 0
    )
    assert "distilling" in capsys.readouterr().out
    assert torch.load(student / "model.pt", weights_only=False)["config"]["teacher"] == str(models / "model.json")
    # The teacher ran once over the clean training faces; its outputs are cached beside the decoded faces.
    [cached] = (tmp_path / "cache").glob("teacher-*.npz")
    with np.load(cached) as z:
        trained_on = len(json.loads((tmp_path / "split.json").read_text())["train"])
        assert z["age_probs"].shape == (trained_on, 101) and z["female_probs"].shape == (trained_on,)
        assert (
            np.allclose(z["age_probs"].sum(axis=1), 1, atol=1e-5)
            and ((z["female_probs"] > 0) & (z["female_probs"] < 1)).all()
        )
    # Several teachers (an ensemble): each one's outputs cached on its own, averaged; the card-to-be records
    # each file read by content, since a path like public/models/agegender/model.json later holds another model.
    ensemble = tmp_path / "ensemble"
    teachers = [str(models / "model.json"), str(tuned / "model.pt")]
    assert (
        train.main(
            args
            + [
                "--epochs",
                "1",
                "--out-dir",
                str(ensemble),
                "--input-size",
                "32",
                "--teacher",
                ",".join(teachers),
                "--init-from",
                str(student / "model.pt"),
            ]
        )
        == 0
    )
    assert len(list((tmp_path / "cache").glob("teacher-*.npz"))) == 2
    sources = torch.load(ensemble / "model.pt", weights_only=False)["sources"]
    assert sources["init_from"] == {
        str(student / "model.pt"): hashlib.sha256((student / "model.pt").read_bytes()).hexdigest()
    }
    assert [list(t) for t in sources["teachers"]] == [[teachers[0], str(models / "weights.bin")], [teachers[1]]]
    assert sources["teachers"][1][teachers[1]] == hashlib.sha256((tuned / "model.pt").read_bytes()).hexdigest()
    # Cached outputs for another age range are not taken: a clear error, as a teacher of another range is.
    assert (
        train.main(
            args
            + [
                "--epochs",
                "1",
                "--out-dir",
                str(tmp_path / "other"),
                "--input-size",
                "32",
                "--max-age",
                "50",
                "--teacher",
                str(models / "model.json"),
            ]
        )
        == 2
    )
    assert "cannot distil --teacher" in capsys.readouterr().err

    faces = sorted(data.iterdir())[:5]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not really a jpeg")
    result = run_cli("--crop", "--model", str(models / "model.json"), *map(str, faces), str(broken))
    assert result.returncode == 1, "a failed file makes the exit status non-zero"
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["path"] for r in rows] == [*map(str, faces), str(broken)]
    for r in rows[:-1]:
        assert r["error"] == "" and r["gender"] in ("male", "female", "uncertain")
        assert float(r["age_low"]) <= float(r["age"]) <= float(r["age_high"])
        assert 0 <= float(r["female_probability"]) <= 1
    assert rows[-1]["error"] and rows[-1]["age"] == ""
    assert f"error: {broken}" in result.stderr


def test_missing_data_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert train.main(["--data", str(tmp_path / "missing"), "--out-dir", str(tmp_path / "run"), "--no-progress"]) == 2
    assert "UTKFace data not found" in capsys.readouterr().err


def test_no_gpu_is_a_clear_error(tmp_path: Path, capsys) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert train.main(["--device", "cuda", "--out-dir", str(tmp_path / "run"), "--no-progress"]) == 2
    assert "sees no GPU" in capsys.readouterr().err
