"""build.py: every stage of a build recipe gets a command line its module's parser takes, with the recipe's data."""

from conftest import REPO_ROOT

from agegender_train import build, real_photos
from agegender_train.config import config_parser, parse_config


def test_every_stage_of_v10_parses_and_reads_the_recipes_data(monkeypatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    plan = dict(build.stages("training/recipes/v10.json", resume=True, progress=False, ship_to="somewhere"))
    # v10's faces were cut while the detector had one window around the photo and no lower bar for faces filling
    # it: the recipe says so.
    assert plan["cut:faces"][-6:] == [
        "--out", "training/.cache/faces", "--surround-windows", "1.5", "--large-face-score", "0.75"
    ]  # fmt: skip
    train = parse_config(plan["train"])
    assert train.resume and not train.progress and train.out_dir == "training/runs/v10"
    export_args = plan["export"]
    assert export_args[export_args.index("--run") + 1] == train.out_dir and "--no-real-photos" in export_args
    heads = real_photos.RealPhotoConfig(**vars(config_parser(real_photos.RealPhotoConfig).parse_args(plan["heads"])))
    assert heads.out == "somewhere" and heads.export and heads.before == train.init_from
    assert (heads.faces_dir, heads.real_split, heads.utkface) == (train.real_faces, train.real_split, train.data)
    assert heads.build_command == build.command("training/recipes/v10.json") and heads.holdout_fold == 0
    # Without --ship-to, the recipe's folder: the shipped model's.
    plan = dict(build.stages("training/recipes/v10.json", resume=False, progress=True))
    assert plan["heads"][plan["heads"].index("--out") + 1] == "public/models/agegender"
