"""Recipes: the shipped models' runs as files that `train --recipe` reads; flags given as well override them."""

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from agegender_train.config import TrainConfig, parse_config
from agegender_train.train import local_model, source_hashes, teacher_paths

RECIPES = sorted((REPO_ROOT / "training" / "recipes").glob("*.json"))


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.name)
def test_every_recipe_is_a_valid_config(recipe: Path) -> None:
    cfg = parse_config(["--recipe", str(recipe)])
    fields = {k: v for k, v in json.loads(recipe.read_text()).items() if k != "about"}
    assert {k: getattr(cfg, k) for k in fields} == fields and cfg.recipe == str(recipe)


def test_flags_override_the_recipe(tmp_path: Path) -> None:
    recipe = tmp_path / "r.json"
    recipe.write_text(json.dumps({"epochs": 3, "lr": 0.01, "degradations": False}))
    cfg = parse_config(["--recipe", str(recipe), "--epochs", "5"])
    assert (cfg.epochs, cfg.lr, cfg.degradations, cfg.batch_size) == (5, 0.01, False, TrainConfig().batch_size)


def test_an_unknown_field_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recipe = tmp_path / "r.json"
    recipe.write_text(json.dumps({"epoch": 3}))
    with pytest.raises(SystemExit):
        parse_config(["--recipe", str(recipe)])
    assert "epoch is not a TrainConfig field" in capsys.readouterr().err


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_a_model_named_by_revision_is_read_as_committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m").mkdir()
    manifest = json.dumps({"weightsManifest": [{"paths": ["w.bin"], "weights": []}]})
    (tmp_path / "m" / "model.json").write_text(manifest)
    (tmp_path / "m" / "w.bin").write_bytes(b"committed")
    _git("init", "-q", cwd=tmp_path)
    _git("add", "m", cwd=tmp_path)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "model", cwd=tmp_path)
    rev = _git("rev-parse", "--short", "HEAD", cwd=tmp_path)
    (tmp_path / "m" / "w.bin").write_bytes(b"a later model at the same path")
    monkeypatch.chdir(tmp_path)

    local = Path(local_model(f"git:{rev}:m/model.json", str(tmp_path / "cache")))
    assert local.read_text() == manifest and (local.parent / "w.bin").read_bytes() == b"committed"
    # The model card names such a source as the recipe does, not by the cache's path.
    assert source_hashes(f"git:{rev}:m/model.json", str(local)) == {
        f"git:{rev}:m/model.json": hashlib.sha256(manifest.encode()).hexdigest(),
        f"git:{rev}:m/w.bin": hashlib.sha256(b"committed").hexdigest(),
    }
    assert local_model("m/model.json", "unused") == "m/model.json"  # a plain path is used as it is
    with pytest.raises(ValueError, match="git show 0000000:m/model.json failed"):
        local_model("git:0000000:m/model.json", "cache")
    with pytest.raises(ValueError, match="expected git:REVISION:PATH"):
        local_model(f"git:{rev}", "cache")


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.name)
def test_recipes_name_models_this_repository_has_committed(recipe: Path, tmp_path: Path) -> None:
    if _git("rev-parse", "--is-shallow-repository", cwd=REPO_ROOT) == "true":
        pytest.skip("a shallow clone lacks the revisions that recipes name their models by")
    cfg = parse_config(["--recipe", str(recipe)])
    for ref in [cfg.init_from, *teacher_paths(cfg)]:
        if ref.startswith("git:"):
            assert Path(local_model(ref, str(tmp_path))).is_file(), ref
