"""Write docs/MODEL.md and the README's accuracy, real-photo and licence tables from the shipped models' cards
(public/models/*/model-card.json), so what people read says what the cards say.

    PYTHONPATH=training training/.venv/bin/python -m agegender_train.model_doc [--check]

In the README, each generated table sits between `<!-- model_doc:NAME -->` and `<!-- /model_doc:NAME -->`.
--check exits 1 if either file differs from what the cards give (a test runs it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from .data_terms import DATA_TERMS

REPO_ROOT = Path(__file__).resolve().parents[2]
CARDS = ["public/models/agegender/model-card.json", "public/models/agegender-fast/model-card.json"]
OUT = "docs/MODEL.md"
README = "README.md"


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(head: list[str], rows: list[list[object]]) -> list[str]:
    if any(len(r) != len(head) for r in rows):
        raise ValueError(f"every row of the table headed {head} needs {len(head)} cells")
    return [_row(head), _row(["---"] * len(head)), *(_row(r) for r in rows), ""]


def _metrics_rows(groups: dict[str, dict]) -> list[list[object]]:
    return [
        [
            name,
            m["n"],
            f"{m['age_mae']:.2f}",
            f"{m['age_bias']:+.2f}",
            f"{m['interval_coverage']:.3f}",
            f"{m['interval_width']:.1f}",
            f"{m['gender_accuracy']:.3f}",
        ]
        for name, m in groups.items()
    ]


HEAD = ["", "faces", "age MAE", "bias", "90% interval coverage", "width (years)", "gender accuracy"]


def card_section(card: dict, path: str) -> list[str]:
    arch, training, split = card["architecture"], card["training"], card["split"]
    counts = split.get("counts") or {}
    lines = [
        f"## {card['name']}",
        "",
        card.get("description", ""),
        "",
        f"- Network: {arch['name']} at {arch['input_size']} px, {arch['parameters']:,} parameters"
        + (f", from {arch['pretrained']}" if arch.get("pretrained") else "")
        + ".",
        f"- Download: {card['size']['total_bytes'] / 1e6:.2f} MB ({card['size']['weights']} weights); card: `{path}`.",
        f"- Data: {card['data']['dataset']}; the terms of every data set behind the weights are below.",
        f"- Split: `{split['file']}`, seed {split.get('seed')}"
        + (f", {', '.join(f'{k} {v:,}' for k, v in counts.items())} faces" if counts else "")
        + ".",
        f"- Trained with: `{training['command']}`"
        + (f" (recipe `{training['recipe']}`)" if training.get("recipe") else "")
        + f", seed {training['seed']}, on {training.get('trained_on', 'cpu')}.",
        f"- Calibration: {card['calibration'].get('method', '')}",
        "",
        "### Every split",
        "",
        f"The train row is an even sample of the faces trained on. {card.get('metrics_note', '')}",
        "",
        *_table(HEAD, _metrics_rows({k: v["overall"] for k, v in card["metrics"].items()})),
    ]
    test = card["metrics"].get("test")
    if test:
        for title, key in (("age band", "by_age_band"), ("gender", "by_gender"), ("race", "by_race")):
            lines += [f"### Test part by {title}", "", *_table(HEAD, _metrics_rows(test[key]))]
    real = card.get("real_photos")
    if real:
        scans = real["out_of_fold"]["old_scans"]
        theirs = (real.get("face_api") or {}).get("old_scans")
        their_bands = {"all": theirs["overall"], **theirs["by_age_band"]} if theirs else {}
        lines += [
            "### Real photos: FG-NET dev scans never trained on",
            "",
            real.get("note", "Out of fold: each person fold judged by heads and calibration fitted without it."),
            *(
                [
                    "",
                    "The face-api.js columns are face-api.js's own pipeline (its detector, landmarks and age/gender net) on the same "
                    "photos, with no interval, uncertain band or old-scan flag; its figures are of the faces it found "
                    f"(`{real['face_api']['command']}`).",
                ]
                if real.get("face_api")
                else []
            ),
            "",
            *_table(
                ["", "scans", "MAE", "bias", "coverage", "width"]
                + (["scans face-api.js found", "MAE face-api.js", "bias face-api.js"] if theirs else []),
                [
                    [b, m["n"], f"{m['mae']:.2f}", f"{m['bias']:+.2f}", f"{m['coverage']:.3f}", f"{m['width']:.1f}"]
                    + (_n_mae_bias(their_bands.get(b)) if theirs else [])
                    for b, m in {"all": scans["overall"], **scans["by_age_band"]}.items()
                ],
            ),
        ]
        wild, was = real["out_of_fold"]["wild_photos"], real.get("before", {}).get("wild_photos")
        rows = [
            ["gender accuracy", wild["gender"]["all"]["accuracy"], was and was["gender"]["all"]["accuracy"]],
            ["adult women read as men", wild["adult_women_read_as_men"], was and was["adult_women_read_as_men"]],
            ["sure calls right", wild["sure_accuracy"], was and was["sure_accuracy"]],
            ["uncertain share", 1 - wild["sure_share"], was and 1 - was["sure_share"]],
        ]
        lines += [
            f"FairFace dev wild photos ({wild['gender']['all']['n']}), this model and the one before:",
            "",
            *_table(
                ["", "this model", "before"], [[n, f"{a:.3f}", "" if b is None else f"{b:.3f}"] for n, a, b in rows]
            ),
        ]
        lines += _test_parts(real)
    if "license" in card:
        lines += [f"### Licence: code {card['license']['code']}; weights: {card['license']['weights']}:", ""]
        lines += _licence_table(card)
    return lines


def _licence_table(card: dict) -> list[str]:
    return _table(["data", "terms", "what the models and tests use it for"],
                  [[d["dataset"], d["terms"], d["use"]] for d in card["license"]["data"]])  # fmt: skip


def _version(card: dict) -> str:
    """v9 for a card trained by training/recipes/v9.json; '' for other recipes (fast.json)."""
    stem = Path(card["training"].get("recipe") or "").stem
    return f" {stem}" if re.fullmatch(r"v\d+", stem) else ""


REAL_PHOTO_ROWS = [
    "face found",
    "gender right (a photo with no face found counts wrong)",
    "gender right on the faces found",
    "gender per ethnic group, a miss counts wrong (lowest, highest)",
    "adult women read as men",
    "sure calls right; uncertain share",
    "age: group right / MAE, mean signed error",
    "90% interval coverage",
    "read as an old scan (FG-NET: scans caught)",
]


def _wild_column(ff: dict, plain: bool) -> list[str]:
    """A FairFace report's cells in REAL_PHOTO_ROWS; plain: a model without uncertain band or scan flag."""
    races = sorted(ff["gender_by_race"].items(), key=lambda r: r[1]["accuracy"])
    (low, lm), (high, hm) = races[0], races[-1]
    low, high = (r.replace("_", "/") for r in (low, high))  # FairFace's Latino_Hispanic
    return [
        f"{ff['face_found']:.3f}",
        f"{ff['gender_with_misses']:.3f}",
        f"{ff['gender']['all']['accuracy']:.3f}",
        f"{lm['accuracy']:.3f} {low}, {hm['accuracy']:.3f} {high}",
        f"{ff['adult_women_read_as_men']:.3f}",
        "no band" if plain else f"{ff['sure_accuracy']:.3f}; {1 - ff['sure_share']:.3f}",
        f"{ff['age_group_accuracy']:.3f}",
        "",
        "no flag" if plain else f"{ff['read_as_scan']:.3f}",
    ]


def _age_column(m: dict, band: str | None, plain: bool) -> list[str]:
    """An exact-age report's cells in REAL_PHOTO_ROWS, with `band` beside the whole where given; plain: a model
    without interval or scan flag (face-api.js)."""
    whole, b = m["overall"], m["by_age_band"].get(band) if band else None
    error = f"{whole['mae']:.2f}, {whole['bias']:+.2f}" + (f" ({band}: {b['mae']:.2f}, {b['bias']:+.2f})" if b else "")
    gender = [f"{m['gender_with_misses']:.3f}", f"{m['gender']['all']['accuracy']:.3f}"] if "gender" in m else ["", ""]
    coverage = "no interval" if plain else f"{whole['coverage']:.3f}" + (f" ({band}: {b['coverage']:.3f})" if b else "")
    scans = "no flag" if plain else f"{whole['read_as_scan']:.3f}"
    return [f"{m['face_found']:.3f}", *gender, "", "", "", error, coverage, scans]


def _real_photos_table(name: str, ours: dict, face_api: dict | None) -> list[str]:
    """Our test parts of FairFace, All-Age-Faces and FG-NET, each beside face-api.js's where the card has them."""
    ev = ours["everyday_photos"]
    worst = max(ev["by_age_band"], key=lambda b: ev["by_age_band"][b]["mae"])
    sets = [
        (f"FairFace ({ours['fairface']['photos']:,} wild photos)", lambda r, plain: _wild_column(r["fairface"], plain)),
        (f"All-Age-Faces ({ev['photos']:,} everyday photos)",
         lambda r, plain: _age_column(r["everyday_photos"], worst, plain)),
        (f"FG-NET ({ours['old_scans']['photos']:,} old scans)", lambda r, plain: _age_column(r["old_scans"], None, plain)),
    ]  # fmt: skip
    head, columns = [f"{name} on our test parts"], []
    for title, column in sets:
        head.append(title)
        columns.append(column(ours, False))
        if face_api:
            head.append("face-api.js")
            columns.append(column(face_api, True))
    return _table(head, [[row, *cells] for row, *cells in zip(REAL_PHOTO_ROWS, *columns, strict=True)])


def readme_tables(cards: list[dict]) -> dict[str, list[str]]:
    """The README's generated tables, by block name: UTKFace test accuracy of every shipped model, the photo
    model's real-photo test parts, and the data terms behind it."""
    photos = cards[0]
    accuracy = _table(
        ["model", "age MAE", "90% interval coverage", "gender accuracy", "download"],
        [
            [
                f"**{c['name']}{_version(c)}**",
                f"{(t := c['metrics']['test']['overall'])['age_mae']:.2f}",
                f"{t['interval_coverage']:.3f}",
                f"{t['gender_accuracy']:.3f}",
                f"{c['size']['total_bytes'] / 1e6:.2f} MB",
            ]
            for c in cards
        ],
    )
    real = photos.get("real_photos", {})
    behind = {d["set"] for d in photos.get("license", {}).get("data", [])}
    licences = _table(
        [
            "data",
            "terms",
            "what the models and tests use it for",
            f"behind {photos['name']}{_version(photos)}'s weights",
        ],
        [[t["dataset"], t["terms"], t["use"], "yes" if s in behind else "no"] for s, t in DATA_TERMS.items()],
    )
    tables = {"accuracy": accuracy, "licences": licences}
    ours = real.get("out_of_fold", {})
    if ours.get("fairface") and ours.get("everyday_photos"):
        tables["real-photos"] = _real_photos_table(f"{photos['name']}{_version(photos)}", ours, real.get("face_api"))
    return tables


def fill_readme(text: str, tables: dict[str, list[str]]) -> str:
    """The README with each generated block replaced by its table (an error if a block's markers are missing)."""
    for name, lines in tables.items():
        pattern = re.compile(rf"(<!-- model_doc:{name} -->\n).*?(<!-- /model_doc:{name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"{README} has no <!-- model_doc:{name} --> ... <!-- /model_doc:{name} --> block")
        table = "\n".join(lines)
        text = pattern.sub(lambda m, table=table: m.group(1) + table + m.group(2), text)
    return text


def _n_mae_bias(m: dict | None) -> list[str]:
    return [m["n"], f"{m['mae']:.2f}", f"{m['bias']:+.2f}"] if m else ["", "", ""]


def _test_parts(real: dict) -> list[str]:
    """FairFace's and All-Age-Faces' test parts, where the card has them (bench:real-photos --part test), beside
    face-api.js's where the card has those."""
    after, was, face_api = real["out_of_fold"], real.get("before", {}), real.get("face_api") or {}
    lines: list[str] = []

    def num(m: dict | None, key: str) -> str:
        return "" if not m or m.get(key) is None else f"{m[key]:.3f}"

    if "fairface" in after:
        reports = [after["fairface"], was.get("fairface"), face_api.get("fairface")]
        race = lambda m, r: (m or {}).get("gender_by_race", {}).get(r)  # noqa: E731
        rows = [
            ["face found", *(num(m, "face_found") for m in reports)],
            ["gender right (a miss counts wrong)", *(num(m, "gender_with_misses") for m in reports)],
            *[[f"gender right (a miss counts wrong), {r.replace('_', '/')}", *(num(race(m, r), "accuracy") for m in reports)]
              for r in reports[0].get("gender_by_race", {})],
            ["gender right on the faces found", *(num((m or {}).get("gender", {}).get("all"), "accuracy") for m in reports)],
            ["adult women read as men", *(num(m, "adult_women_read_as_men") for m in reports)],
            ["sure calls right", *(num(m, "sure_accuracy") for m in reports[:2]), "no band"],
            ["age group right", *(num(m, "age_group_accuracy") for m in reports)],
            ["read as an old scan", *(num(m, "read_as_scan") for m in reports[:2]), "no flag"],
        ]  # fmt: skip
        head = ["", "this model", "before", "face-api.js"]
        if not reports[2]:
            head, rows = head[:3], [r[:3] for r in rows]
        lines += [f"FairFace test part, wild photos ({reports[0]['photos']}):", "", *_table(head, rows)]
    if "everyday_photos" in after:
        ev, old, fa = after["everyday_photos"], was.get("everyday_photos") or {}, face_api.get("everyday_photos") or {}
        bands = {"all": ev["overall"], **ev["by_age_band"]}
        before_bands = {"all": old.get("overall"), **old.get("by_age_band", {})}
        face_api_bands = {"all": fa.get("overall"), **fa.get("by_age_band", {})}
        lines += [
            f"All-Age-Faces test part, everyday photos ({ev['photos']}; gender right {ev['gender_with_misses']:.3f}, "
            f"before {num(old, 'gender_with_misses') or '-'}"
            + (f", face-api.js {num(fa, 'gender_with_misses')}" if fa else "")
            + "):",
            "",
            *_table(
                ["", "photos", "MAE", "bias", "coverage", "width", "MAE before", "coverage before"]
                + (["faces face-api.js found", "MAE face-api.js", "bias face-api.js"] if fa else []),
                [
                    [
                        b,
                        m["n"],
                        f"{m['mae']:.2f}",
                        f"{m['bias']:+.2f}",
                        f"{m['coverage']:.3f}",
                        f"{m['width']:.1f}",
                        num(before_bands.get(b), "mae"),
                        num(before_bands.get(b), "coverage"),
                    ]
                    + (_n_mae_bias(face_api_bands.get(b)) if fa else [])
                    for b, m in bands.items()
                ],  # fmt: skip
            ),
        ]
    return lines


def _cards(root: Path) -> list[dict]:
    return [json.loads((root / path).read_text()) for path in CARDS]


def model_doc(root: Path = REPO_ROOT) -> str:
    lines = [
        "# The shipped models",
        "",
        "Generated from the model cards by `PYTHONPATH=training training/.venv/bin/python -m agegender_train.model_doc`;",
        "do not edit by hand. The cards hold more: bootstrap intervals, age band x gender, the shift benchmark,",
        "training curves (the app's Model page draws them).",
        "",
    ]
    for path, card in zip(CARDS, _cards(root)):
        lines += card_section(card, path)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help=f"exit 1 if {OUT} or {README} is not what the cards give")
    args = parser.parse_args(argv)
    readme = (REPO_ROOT / README).read_text()
    try:
        wanted = {OUT: model_doc(), README: fill_readme(readme, readme_tables(_cards(REPO_ROOT)))}
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for name, text in wanted.items():
        out = REPO_ROOT / name
        if args.check:
            if not out.exists() or out.read_text() != text:
                print(f"{name} differs from the model cards: run python -m agegender_train.model_doc", file=sys.stderr)
                return 1
        elif not out.exists() or out.read_text() != text:
            out.write_text(text)
            print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
