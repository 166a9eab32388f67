"""Recipes: the shipped models' runs as files that `train --recipe` reads; flags given as well override them."""
import json
from pathlib import Path

import pytest

from agegender_train.config import TrainConfig, parse_config
from conftest import REPO_ROOT

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
