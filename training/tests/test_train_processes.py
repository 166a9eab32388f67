"""Training as separate processes: killed with kill -9 and resumed, and split between two processes by torchrun."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import REPO_ROOT, make_utkface_folder, tiny_run_args

PYTHON_ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "training"), "OMP_NUM_THREADS": "1"}


def run_args(tmp_path: Path, out: str, epochs: int, batch_size: int = 4) -> list[str]:
    data = make_utkface_folder(tmp_path / "utk", 40)
    return tiny_run_args(data, tmp_path, tmp_path / out, batch_size) + [
        "--lr", "0.03", "--ema-decay", "0.9", "--epochs", str(epochs), "--threads", "1", "--shift-faces", "10",
        "--calibration-copies", "1",
    ]  # fmt: skip


def train_command(args: list[str], processes: int = 1) -> list[str]:
    if processes == 1:
        return [sys.executable, "-m", "agegender_train.train", *args]
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        str(processes),
        "--standalone",
        "-m",
        "agegender_train.train",
        *args,
    ]


def run_training(args: list[str], processes: int = 1) -> None:
    result = subprocess.run(
        train_command(args, processes), cwd=REPO_ROOT, env=PYTHON_ENV, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]


def weights(run: Path) -> dict[str, torch.Tensor]:
    return torch.load(run / "model.pt", weights_only=False)["model"]


def log(run: Path) -> list[dict[str, float]]:
    return [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]


def test_killed_run_resumes_to_the_same_weights(tmp_path: Path) -> None:
    epochs = 4
    run_training(run_args(tmp_path, "whole", epochs))

    killed = run_args(tmp_path, "killed", epochs)
    process = subprocess.Popen(
        train_command(killed), cwd=REPO_ROOT, env=PYTHON_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    checkpoint = tmp_path / "killed" / "checkpoint.pt"
    deadline = time.time() + 300
    while not checkpoint.exists() and process.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    process.kill()  # SIGKILL, in the second epoch: no handler runs, nothing is flushed
    assert process.wait() == -9, "the run finished before it could be killed"
    assert not (tmp_path / "killed" / "model.pt").exists()

    run_training(killed + ["--resume"])
    whole, resumed = weights(tmp_path / "whole"), weights(tmp_path / "killed")
    assert whole.keys() == resumed.keys()
    assert all(torch.equal(whole[k], resumed[k]) for k in whole), "the resumed run ended with other weights"
    assert log(tmp_path / "killed") == [
        {**e, "seconds": r["seconds"]} for e, r in zip(log(tmp_path / "whole"), log(tmp_path / "killed"))
    ]
    assert [e["epoch"] for e in log(tmp_path / "killed")] == list(range(1, epochs + 1))


@pytest.mark.skipif(not torch.distributed.is_gloo_available(), reason="this PyTorch build has no gloo backend")
def test_two_processes_train_like_one(tmp_path: Path) -> None:
    """Two processes share each batch and average their gradients: the run follows the single-process one.

    Not bit for bit: each process draws its own augmentations and normalises its half-batch by its own
    batch statistics, as DistributedDataParallel does without SyncBatchNorm. That the processes end with
    identical weights, training checks itself (and fails otherwise).
    """
    epochs, batch_size = 8, 10  # 5 faces per process: a smaller half-batch makes batch statistics too noisy to compare
    run_training(run_args(tmp_path, "one", epochs, batch_size))
    run_training(run_args(tmp_path, "two", epochs, batch_size), processes=2)
    one, two = log(tmp_path / "one"), log(tmp_path / "two")
    assert [e["epoch"] for e in two] == list(range(1, epochs + 1)), "rank 0 alone logs, each epoch once"
    learned = one[0]["train_loss"] - one[-1]["train_loss"]
    assert learned > 1, "the single-process run should learn something for the comparison to mean anything"
    # The same batches in the same order: the loss curves coincide up to the noise above.
    gaps = [abs(a["train_loss"] - b["train_loss"]) for a, b in zip(one, two)]
    assert max(gaps) < 0.15 * learned and sum(gaps) / len(gaps) < 0.05 * learned, (gaps, learned)
    model = torch.load(tmp_path / "two" / "model.pt", weights_only=False)
    assert model["trained_on"] == "2 x cpu"
    assert model["model"].keys() == weights(tmp_path / "one").keys()
    assert (tmp_path / "two" / "metrics.json").exists()
    assert not list((tmp_path / "two").glob("*.tmp")), "checkpoints are written atomically"
