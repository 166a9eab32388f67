"""Recipes: the shipped models' runs as files that `train --recipe` reads; flags given as well override them."""

import hashlib
import json
import shlex
import subprocess
from dataclasses import asdict
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from agegender_train.config import (
    NOT_TRAINING,
    RUN_LOCAL_FIELDS,
    AugmentationConfig,
    GeometryConfig,
    TrainConfig,
    parse_config,
)
from agegender_train.train import local_model, source_hashes, teacher_paths

RECIPES = sorted((REPO_ROOT / "training" / "recipes").glob("*.json"))


# The shipped models' cards, and the teacher's kept in the repository (v8 was distilled from it).
CARDS = sorted((REPO_ROOT / "public" / "models").glob("*/model-card.json")) + sorted(
    (REPO_ROOT / "training" / "teachers").glob("*/model-card.json")
)


def _json(cfg: TrainConfig) -> dict:
    """The config as JSON holds it (a model card, a recipe): tuples become lists."""
    return json.loads(json.dumps(cfg.to_dict()))


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.name)
def test_every_recipe_is_a_valid_config(recipe: Path) -> None:
    cfg = parse_config(["--recipe", str(recipe)])
    fields = {k: v for k, v in json.loads(recipe.read_text()).items() if k not in NOT_TRAINING}
    assert {k: _json(cfg)[k] for k in fields} == fields and cfg.recipe == str(recipe)


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.name)
def test_every_recipe_pins_every_training_setting(recipe: Path) -> None:
    """Every field but the run-local ones, the degradations' (or null: none) and the geometry's included, so that a
    change of defaults changes no recipe."""
    fields = json.loads(recipe.read_text())
    assert set(fields) - set(NOT_TRAINING) == {f for f in TrainConfig().to_dict() if f not in RUN_LOCAL_FIELDS}
    assert fields["degradations"] is None or set(fields["degradations"]) == set(asdict(AugmentationConfig()))
    assert set(fields["geometry"]) == set(asdict(GeometryConfig()))


@pytest.mark.parametrize(
    "card", [c for c in CARDS if json.loads(c.read_text())["training"].get("recipe")], ids=lambda p: p.parent.name
)
def test_a_models_recipe_gives_its_training_config(card: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    training = json.loads(card.read_text())["training"]
    monkeypatch.chdir(REPO_ROOT)  # as the card's command ran
    argv = shlex.split(training["command"].split(" -m agegender_train.train", 1)[1])
    assert argv[:2] == ["--recipe", training["recipe"]]
    config, recorded = _json(parse_config(argv)), dict(training["config"])
    if "real_folds" in recorded:  # a run from before the one real-data module (v9): the same faces, named then so
        assert recorded.pop("real_holdout_fold") == 0 and recorded.pop("real_folds").endswith("real-photo-folds.json")
        assert recorded.pop("real_data").endswith("real-photos") and recorded["real_faces"].endswith("real-faces")
        recorded["real_faces"] = config["real_faces"]
    # Fields TrainConfig gained after the run (the fast model predates training on real photos): at their defaults.
    newer = set(config) - set(recorded)
    assert {k: config.pop(k) for k in newer} == {k: v for k, v in TrainConfig().to_dict().items() if k in newer}
    # A model read from a path that later held another: the recipe names it by a revision that holds it.
    for key in ("init_from", "teacher"):
        named = [p.split(":", 2)[2] if p.startswith("git:") else p for p in config[key].split(",")]
        if named != config[key].split(",") and named == recorded[key].split(","):
            config[key] = recorded[key]
    assert config == recorded


def test_flags_override_the_recipe(tmp_path: Path) -> None:
    recipe = tmp_path / "r.json"
    recipe.write_text(
        json.dumps({"epochs": 3, "lr": 0.01, "degradations": {"p_grey": 0.5}, "geometry": {"max_rotate_deg": 0}})
    )
    cfg = parse_config(["--recipe", str(recipe), "--epochs", "5", "--degradations.exposure-range", "0.5", "1.5"])
    assert (cfg.epochs, cfg.lr, cfg.batch_size) == (5, 0.01, TrainConfig().batch_size)
    # A nested object or flag sets its fields over the defaults (the recipe's, for a flag).
    assert cfg.degradations == AugmentationConfig(p_grey=0.5, exposure_range=(0.5, 1.5))
    assert cfg.geometry == GeometryConfig(max_rotate_deg=0)
    assert parse_config(["--recipe", str(recipe), "--no-degradations"]).degradations is None
    # --degradations keeps the recipe's; with --no-degradations, a degradation's flag is a contradiction.
    assert parse_config(["--recipe", str(recipe), "--degradations"]).degradations == AugmentationConfig(p_grey=0.5)
    with pytest.raises(SystemExit):
        parse_config(["--recipe", str(recipe), "--no-degradations", "--degradations.p-blur", "0.3"])
    recipe.write_text(json.dumps({"degradations": None}))
    assert parse_config(["--recipe", str(recipe)]).degradations is None
    assert parse_config(["--recipe", str(recipe), "--degradations"]).degradations == AugmentationConfig()
    assert parse_config(["--recipe", str(recipe), "--degradations.p-blur", "0.3"]).degradations == AugmentationConfig(
        p_blur=0.3
    )


def test_a_recipe_leaves_how_it_runs_to_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recipe = tmp_path / "r.json"
    recipe.write_text(json.dumps({"epochs": 3, "threads": 4, "device": "cuda"}))
    with pytest.raises(SystemExit):
        parse_config(["--recipe", str(recipe)])
    assert "device, threads belong on the command line, not in a recipe" in capsys.readouterr().err


def test_a_config_reads_back_from_model_pt_and_from_before_nesting() -> None:
    cfg = parse_config(["--degradations.p-grey", "0.3", "--geometry.p-turned", "0"])
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    assert TrainConfig.from_dict(_json(cfg)) == cfg  # ranges come back as tuples
    # model.pt files and cards written before the settings were nested hold "degradations": true / false.
    assert TrainConfig.from_dict({"degradations": True}) == TrainConfig()
    assert TrainConfig.from_dict({"degradations": False}).degradations is None


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"epoch": 3}, "epoch is not a TrainConfig field"),
        ({"degradations": {"p_gray": 0.1}}, "degradations.p_gray is not a AugmentationConfig field"),
        ({"geometry": None}, "geometry: expected an object of GeometryConfig fields"),
    ],
)
def test_an_unknown_field_is_an_error(
    fields: dict, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = tmp_path / "r.json"
    recipe.write_text(json.dumps(fields))
    with pytest.raises(SystemExit):
        parse_config(["--recipe", str(recipe)])
    assert message in capsys.readouterr().err


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_a_model_named_by_revision_is_read_as_committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m").mkdir()
    manifest = json.dumps({"weightsManifest": [{"paths": ["w.bin"], "weights": []}]})
    (tmp_path / "m" / "model.json").write_text(manifest)
    (tmp_path / "m" / "w.bin").write_bytes(b"committed")
    (tmp_path / "m" / "model-card.json").write_text('{"size": {}}')  # the app loads a model only with its card
    _git("init", "-q", cwd=tmp_path)
    _git("add", "m", cwd=tmp_path)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "model", cwd=tmp_path)
    rev = _git("rev-parse", "--short", "HEAD", cwd=tmp_path)
    (tmp_path / "m" / "w.bin").write_bytes(b"a later model at the same path")
    monkeypatch.chdir(tmp_path)

    local = Path(local_model(f"git:{rev}:m/model.json", str(tmp_path / "cache")))
    assert local.read_text() == manifest and (local.parent / "w.bin").read_bytes() == b"committed"
    assert (local.parent / "model-card.json").read_text() == '{"size": {}}'
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
