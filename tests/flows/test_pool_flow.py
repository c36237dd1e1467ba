"""The ``pool`` flow: its config section and task logic as plain functions, then one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screening.errors import ConfigError
from tests.extraction.conftest import FLEISS_ASPIRIN, FLEISS_MD

CONFIG = """\
[review]
name = "test"

[pooling]
output = "pooled"

[pooling.outcomes.utilisation]
file = "data/md.csv"
measure = "MD"
model = "random"
profile = "metafor"

[pooling.outcomes.death]
file = "data/form.csv"
measure = "OR"
method = "MH"
favours_left = "aspirin"
"""


def write_review(tmp_path: Path, config: str = CONFIG) -> tuple[Path, Path]:
    data = tmp_path / "review" / "data"
    data.mkdir(parents=True)
    (data / "md.csv").write_text(
        "study,mean1,sd1,n1,mean2,sd2,n2\n" + "".join(
            f"{s},{m1},{sd1},{n1},{m2},{sd2},{n2}\n" for s, n1, m1, sd1, n2, m2, sd2 in FLEISS_MD),
        encoding="utf-8")
    rows = ["study,outcome,arm,group,events,total"]
    for label, e1, n1, e2, n2 in FLEISS_ASPIRIN:
        rows += [f"{label},death,aspirin,intervention,{e1},{n1}",
                 f"{label},death,placebo,control,{e2},{n2}"]
    (data / "form.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config_path = tmp_path / "review" / "pooling.toml"
    config_path.write_text(config, encoding="utf-8")
    return config_path, tmp_path / "review"


def test_all_is_sorted() -> None:
    import flows.pool

    assert flows.pool.__all__ == sorted(flows.pool.__all__, key=lambda n: (n[:1].islower(), n))
    assert all(hasattr(flows.pool, n) for n in flows.pool.__all__)


def test_pool_outcome_is_a_plain_function(tmp_path: Path) -> None:
    from flows.pool import load_pooling_config, pool_outcome

    config, review = write_review(tmp_path)
    section = load_pooling_config(config)
    assert list(section.outcomes) == ["utilisation", "death"]
    summary = pool_outcome("death", section.outcomes["death"], config_dir=config.parent,
                           output_dir=review / "pooled")
    assert summary["k"] == 7 and summary["estimate"] == pytest.approx(0.8968655609130709)
    assert {Path(f).name for f in summary["files"]} == {"results.json", "results.csv",
                                                        "forest.png", "forest.svg"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[review]\nname = "x"\n', r"pooling: no \[pooling\] section"),
        ("[pooling]\n", "pooling.outcomes: no outcomes listed"),
        ('[pooling.outcomes.a]\nfile = "f.csv"\nmeasure = "MD"\nmodle = "random"\n',
         "pooling.outcomes.a.modle: unknown key"),
        ('[pooling.outcomes.a]\nmeasure = "MD"\n', "pooling.outcomes.a.file: required key is "
                                                  "missing"),
        ('[pooling.outcomes.a]\nfile = "f.csv"\nmeasure = "HR"\n', "pooling.outcomes.a.measure: "),
    ],
    ids=["no-section", "no-outcomes", "typo", "missing-file", "bad-measure"],
)
def test_config_errors_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    from flows.pool import load_pooling_config

    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{path}: {message}"):
        load_pooling_config(path)


def test_pool_review_flow_runs_every_outcome(tmp_path: Path, prefect_harness) -> None:
    from flows.pool import pool_review

    config, review = write_review(tmp_path)
    summaries = pool_review(str(config), str(review))
    assert set(summaries) == {"utilisation", "death"}
    data = json.loads((review / "pooled" / "utilisation" / "results.json").read_text("utf-8"))
    assert data["profile"] == "metafor" and data["tau2_method"] == "REML" and data["k"] == 5
    assert data["pi_low"] is not None
    death = json.loads((review / "pooled" / "death" / "results.json").read_text("utf-8"))
    assert death["estimate"] == pytest.approx(0.8968655609130709, rel=1e-12)
    assert (review / "pooled" / "death" / "forest.png").stat().st_size > 10_000
