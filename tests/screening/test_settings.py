from __future__ import annotations

from pathlib import Path

import pytest

from screening.errors import ConfigError
from screening.settings import load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_loads() -> None:
    config = load_config(ROOT / "config" / "example.toml")
    assert config.review.name == "IV ketamine for chronic pain"
    assert set(config.sources) == {"pubmed", "embase"}
    assert config.sources["embase"].database == "Embase"
    assert "wrong_design" in config.criteria.reasons
    assert config.import_.on_bad_record == "error"
    assert (config.dedup.conference_abstracts, config.dedup.cochrane_versions) == (
        "maybe", "duplicate")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[review]\nname = "x"\n[sources.a]\npath = "p"\nfromat = "ris"\n',
         "r.toml: sources.a.fromat: unknown key"),
        ('[review]\nnam = "x"\n', "r.toml: review.name: required key is missing"),
        ('[review]\nname = "x"\n[import]\non_bad_record = "skip"\n',
         "r.toml: import.on_bad_record: Input should be 'error' or 'quarantine' (got 'skip')"),
        ('[review\nname = "x"\n', "r.toml: not valid TOML"),
        ('[review]\nname = "x"\n[ranking]\nmodel = "svm"\n', "r.toml: ranking: unknown key"),
        ('[review]\nname = "x"\n[dedup]\npreprints = "always"\n',
         "r.toml: dedup.preprints: Input should be 'maybe' or 'duplicate' (got 'always')"),
    ],
    ids=["typo-in-source", "missing-name", "bad-choice", "bad-toml", "unknown-section",
         "bad-dedup-policy"],
)
def test_config_errors_name_file_and_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, path="r.toml")
    assert message in str(info.value)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found"):
        load_config(tmp_path / "nope.toml")


def test_pooling_section_is_passed_through_for_the_pool_flow() -> None:
    config = parse_config('[review]\nname = "x"\n[pooling.outcomes.pain]\nfile = "p.csv"\n',
                          path="r.toml")
    assert config.pooling == {"outcomes": {"pain": {"file": "p.csv"}}}


def test_pubmed_section_defaults_and_checks() -> None:
    from screening.eutils import DEFAULT_BASE_URL

    config = parse_config('[review]\nname = "x"\n[pubmed]\nquery = "ketamine[tiab]"\n'
                          'start = "2024/01/01"\n', path="r.toml")
    pubmed = config.pubmed
    assert pubmed is not None
    assert (pubmed.tool, pubmed.email, pubmed.api_key, pubmed.datetype, pubmed.schedule) == (
        "litsieve", None, None, "edat", "0 6 * * 1")
    assert pubmed.base_url == DEFAULT_BASE_URL
    assert str(pubmed.start_date) == "2024-01-01"
    assert parse_config('[review]\nname = "x"\n', path="r.toml").pubmed is None
    for bad, message in [
        ('start = "2024-01-01"', "r.toml: pubmed.start: Value error, start must be a date "
                                 "YYYY/MM/DD (got '2024-01-01')"),
        ('start = "2024/01/01"\nschedule = "weekly"',
         "r.toml: pubmed.schedule: Value error, schedule must be a cron expression"),
        ('start = "2024/01/01"\ndatetype = "pubdate"', "r.toml: pubmed.datetype: Input should "
                                                       "be 'edat', 'pdat' or 'mdat'"),
        ('start = "2024/01/01"\nemial = "a@b.org"', "r.toml: pubmed.emial: unknown key"),
    ]:
        with pytest.raises(ConfigError) as info:
            parse_config(f'[review]\nname = "x"\n[pubmed]\nquery = "q"\n{bad}\n', path="r.toml")
        assert message in str(info.value)
