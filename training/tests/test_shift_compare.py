"""shift --compare: two benchmark results read from any file that holds one, and judged against the bars."""

import json
from pathlib import Path

import pytest

from agegender_train.shift import ShiftBars, compare_table, main, shift_conditions


def condition(mae: float, bias: float = 0.0, coverage: float = 0.9, adult: float = 0.95) -> dict:
    return {
        "age_mae": mae,
        "age_bias": bias,
        "interval_coverage": coverage,
        "interval_width": 20.0,
        "gender_accuracy_adult": adult,
    }


BEFORE = {"clean": condition(4.5), "old scan": condition(5.3, bias=-1.2), "dim": condition(4.8, coverage=0.86)}
AFTER = {
    "clean": condition(4.4),
    "old scan": condition(5.3, bias=-0.9),
    "dim": condition(4.9, adult=0.89),
    "new": condition(6.0),
}


def test_reads_a_model_card_a_run_and_an_out_file(tmp_path: Path) -> None:
    layouts = {
        "card.json": {"name": "m", "shift_benchmark": {"part": "val", "conditions": BEFORE}},
        "metrics.json": {"calibration": {}, "shift": {"faces": 600, "conditions": BEFORE}},
        "shift-val.json": {"part": "val", "faces": 600, "conditions": BEFORE},
    }
    for name, data in layouts.items():
        (tmp_path / name).write_text(json.dumps(data))
        assert shift_conditions(str(tmp_path / name)) == BEFORE
    (tmp_path / "other.json").write_text(json.dumps({"metrics": {}}))
    with pytest.raises(ValueError, match="no shift benchmark"):
        shift_conditions(str(tmp_path / "other.json"))


def test_counts_changes_and_misses() -> None:
    table = compare_table(BEFORE, AFTER)
    assert "age MAE lower under 1, higher under 1, equal under 1 of 3 conditions" in table
    assert "before: 2 of 3 conditions miss" in table and "old scan (bias); dim (coverage)" in table
    assert "after: 1 of 3 conditions miss" in table and "dim (adult gender)" in table
    assert "in one result only: new" in table
    assert "old scan (bias)" not in compare_table(BEFORE, AFTER, ShiftBars(max_abs_bias=1.5))
    with pytest.raises(ValueError, match="share no condition"):
        compare_table(BEFORE, {"other": condition(4.0)})


def test_cli_prints_the_table_and_fails_clearly_on_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, conditions in (("a.json", BEFORE), ("b.json", AFTER)):
        (tmp_path / name).write_text(json.dumps({"conditions": conditions}))
    assert main(["--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == 0
    assert "5.30->5.30" in capsys.readouterr().out
    assert main(["--compare", str(tmp_path / "a.json"), str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err
