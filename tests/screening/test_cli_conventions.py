"""CLI conventions: --version, names in any case, usage errors exit 2 with the valid names,
the dedup review screen, progress only on a terminal."""

from __future__ import annotations

import importlib
import io
import json
from importlib.metadata import version
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from screening.cli import app, main
from screening.errors import RegistryError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.toml"
PUBMED = ROOT / "tests" / "data" / "exports" / "medline" / "ketamine_pubmed.nbib"
EMBASE = ROOT / "tests" / "data" / "exports" / "ris" / "ketamine_embase.ris"
LABELLED = ROOT / "tests" / "data" / "screening" / "invented_300.csv"
POOLING = ROOT / "tests" / "data" / "pooling" / "ketamine_pain_md.csv"

READERS = ("bibtex, cochrane_csv, cochrane_text, csv, embase_csv, embase_xlsx, endnote_xml, "
           "medline, ovid_tagged, pubmed_csv, pubmed_xml, ris, scopus_csv, wos_tab, wos_text")
RANKERS = "ensemble, logistic, nb, svm, svm-emb"


@pytest.fixture(autouse=True)
def _sqlite_only(monkeypatch) -> None:
    monkeypatch.delenv("LITSIEVE_DATABASE_URL", raising=False)


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def review(tmp_path: Path, capsys) -> Path:
    """The example review with the PubMed export and four title/abstract decisions."""
    directory = tmp_path / "review"
    assert run(capsys, "init", directory, "--config", EXAMPLE)[0] == 0
    assert run(capsys, "import", directory, PUBMED)[0] == 0
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("native_id,stage,decision,reason,reviewer\n"
                         "31002418,title_abstract,include,,ar\n"
                         "29877102,title_abstract,include,,ar\n"
                         "33111234,title_abstract,exclude,wrong_design,ar\n"
                         "26563179,title_abstract,exclude,wrong_design,ar\n", encoding="utf-8")
    code, _, err = run(capsys, "decisions", "import", directory, decisions)
    assert code == 0, err
    return directory


# --version ------------------------------------------------------------------------------


def test_version(capsys) -> None:
    code, out, err = run(capsys, "--version")
    assert (code, out, err) == (0, f"litsieve {version('litsieve')}\n", "")


def test_version_with_the_test_runner() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"litsieve {version('litsieve')}\n"


# Names in any case -----------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["RIS", "Ris"])
def test_format_names_in_any_case(tmp_path: Path, capsys, spelling: str) -> None:
    directory = tmp_path / "r"
    assert run(capsys, "init", directory)[0] == 0
    code, out, err = run(capsys, "import", directory, EMBASE, "--format", spelling)
    assert code == 0, err
    assert "7 records imported as source" in out and "(ris, Embase)" in out  # stored as 'ris'
    code, out, err = run(capsys, "import", directory, PUBMED, "-f", "Medline")
    assert code == 0, err
    assert "10 records imported as source" in out and "(medline, PubMed)" in out


def test_the_reader_and_ranker_lookups_ignore_case() -> None:
    from screening.rank.rankers import LinearSVMRanker, get_ranker, ranker_name
    from screening.readers import get_reader, reader_name

    assert get_reader("RIS").name == "ris" and reader_name("PubMed_XML") == "pubmed_xml"
    assert isinstance(get_ranker("SVM"), LinearSVMRanker) and ranker_name("SVM-Emb") == "svm-emb"
    with pytest.raises(RegistryError, match=rf"^Unknown format 'risx'\. Available: {READERS}$"):
        get_reader("risx")
    with pytest.raises(RegistryError, match=rf"^Unknown ranker 'forest'\. Available: {RANKERS}$"):
        get_ranker("forest")


def test_simulate_model_in_any_case(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "simulate", LABELLED, "-o", tmp_path / "sim", "--model", "SVM",
                         "--batch-size", "10")
    assert code == 0, err
    assert "model:svm@" in out
    metrics = json.loads((tmp_path / "sim" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["run"]["model"] == "svm"  # recorded under its registered name


def test_rank_model_in_any_case(review: Path, capsys) -> None:
    code, out, err = run(capsys, "rank", review, "--model", "Logistic", "--top", "2")
    assert code == 0, err
    assert "Screening queue: model:logistic@" in out


def test_pool_names_in_any_case(capsys) -> None:
    code, out, err = run(capsys, "pool", POOLING, "-m", "md", "--model", "RANDOM", "--tau2",
                         "reml", "--profile", "METAFOR", "--method", "iv")
    assert code == 0, err
    assert "Total" in out


# Usage errors exit 2 and name the valid values --------------------------------------------


def _usage_error(code: int, err: str, command: str, message: str) -> None:
    assert code == 2, err
    assert f"Usage: litsieve {command} [OPTIONS]" in err
    assert message in _one_line(err)
    assert "Traceback" not in err


def test_unknown_format_is_a_usage_error(tmp_path: Path, capsys) -> None:
    directory = tmp_path / "r"
    assert run(capsys, "init", directory)[0] == 0
    code, _, err = run(capsys, "import", directory, PUBMED, "--format", "risx")
    _usage_error(code, err, "import", "Invalid value for --format: unknown format 'risx'; "
                                      f"one of: {READERS}")
    code, out, _ = run(capsys, "status", directory)
    assert "No records yet" in out  # nothing was imported


def test_unknown_encoding_is_a_usage_error(tmp_path: Path, capsys) -> None:
    directory = tmp_path / "r"
    assert run(capsys, "init", directory)[0] == 0
    code, _, err = run(capsys, "import", directory, PUBMED, "--encoding", "latin-9x")
    _usage_error(code, err, "import", "Invalid value for --encoding: unknown encoding "
                                      "'latin-9x'; give a Python codec name such as utf-8")


def test_unknown_model_is_a_usage_error(tmp_path: Path, review: Path, capsys) -> None:
    code, _, err = run(capsys, "rank", review, "--model", "SVN")
    _usage_error(code, err, "rank",
                 f"Invalid value for --model: unknown ranker 'SVN'; one of: {RANKERS}")
    code, _, err = run(capsys, "simulate", LABELLED, "-o", tmp_path / "x", "--model", "forest")
    _usage_error(code, err, "simulate",
                 f"Invalid value for --model: unknown ranker 'forest'; one of: {RANKERS}")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("args", "command", "message"),
    [
        (("pool", POOLING, "-m", "md", "--level", "150"), "pool",
         "Invalid value for '--level': a confidence level in percent is between 0 and 100, "
         "e.g. 95 (got 150)"),
        (("pool", POOLING, "-m", "md", "--method", "foo"), "pool",
         "Invalid value for '--method': Value error, 'foo' is not one of 'iv', 'mh', 'peto'"),
        (("pool", POOLING, "-m", "xx"), "pool",
         "Invalid value for '--measure' / '-m': Value error, 'xx' is not one of 'md', 'smd', "
         "'rom', 'rr', 'or', 'rd', 'giv'"),
        (("pool", POOLING, "-m", "md", "--model", "mixed"), "pool",
         "Invalid value for '--model': Value error, 'mixed' is not one of 'fixed', 'random'"),
    ],
)
def test_pool_usage_errors(capsys, args, command: str, message: str) -> None:
    code, _, err = run(capsys, *args)
    _usage_error(code, err, command, message)


def test_extraction_template_output_is_a_usage_error(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "extract", "template", tmp_path, "-o", tmp_path / "form.txt")
    _usage_error(code, err, "extract template",
                 "Invalid value for --output: the form must end in .xlsx or .csv "
                 "(got 'form.txt')")


def test_other_option_values_are_usage_errors(review: Path, capsys) -> None:
    code, _, err = run(capsys, "prisma", review, "--format", "gif")
    _usage_error(code, err, "prisma", "'gif' is not one of 'svg', 'png', 'pdf', 'json', 'csv'")
    code, _, err = run(capsys, "update", review, "--today", "2024-13-01")
    _usage_error(code, err, "update",
                 "Invalid value for --today: expected YYYY-MM-DD (got '2024-13-01')")
    code, _, err = run(capsys, "dedup", review, "--workers", "0")
    _usage_error(code, err, "dedup", "Invalid value for '--workers'")
    code, _, err = run(capsys, "rank", review, "--target", "2")
    _usage_error(code, err, "rank", "Invalid value for '--target'")


# The dedup review screen ---------------------------------------------------------------------

_LONG_ABSTRACT = (
    "Background: chronic low back pain is common and hard to treat, and ketamine may reduce "
    "central sensitisation. Methods: we randomised 120 adults with chronic low back pain to a "
    "single infusion of intravenous ketamine (0.5 mg/kg over 40 minutes) or midazolam as an "
    "active placebo. The primary outcome was pain intensity on a 0-10 numeric rating scale at "
    "four weeks; secondary outcomes were disability, mood and adverse events. Results: pain "
    "fell by 1.9 points with ketamine and by 0.8 with midazolam (difference -1.1, 95% CI -1.8 "
    "to -0.4). Dissociative effects were frequent but short-lived, and no participant left the "
    "trial because of them. Conclusions: a single ketamine infusion gave modest short-term "
    "relief; longer trials with repeated infusions are needed. LAST-WORDS-OF-THE-ABSTRACT"
)
_SHORT_ABSTRACT = "Ketamine infusion reduced back pain at four weeks in 120 adults [abstract]."
_PAIR = f"""TY  - JOUR
TI  - Intravenous ketamine for chronic low back pain: a randomised controlled trial
AU  - Almeida, Rita
AU  - Okafor, Chidi
PY  - 2019
JO  - Pain Medicine
VL  - 20
SP  - 712
EP  - 721
AB  - {_LONG_ABSTRACT}
ER  -

TY  - CONF
TI  - Intravenous ketamine for chronic low back pain: a randomised controlled trial
AU  - Almeida, Rita
AU  - Okafor, Chidi
PY  - 2019
JO  - Regional Anesthesia and Pain Medicine
VL  - 44
SP  - A112
AB  - {_SHORT_ABSTRACT}
ER  -
"""


@pytest.fixture
def maybe_pair(tmp_path: Path, capsys) -> tuple[Path, int]:
    """A review whose article and conference abstract of one trial wait for a person."""
    export = tmp_path / "pair.ris"
    export.write_text(_PAIR, encoding="utf-8")
    directory = tmp_path / "pair-review"
    assert run(capsys, "init", directory)[0] == 0
    assert run(capsys, "import", directory, export, "--database", "Embase")[0] == 0
    assert run(capsys, "dedup", directory)[0] == 0
    from screening.review_dir import open_review

    with open_review(directory).open_store() as store:
        (link,) = store.latest_links(outcome="maybe")
    assert link.rule_id == "conference_vs_article"
    return directory, link.link_id


def _column(screen: str, index: int) -> str:
    """The text of one column of the side-by-side table, its wrapped lines joined."""
    cells = [line.split("│")[index] for line in screen.splitlines() if line.count("│") == 4]
    return _one_line(" ".join(cells))


def _latest(directory: Path):
    from screening.review_dir import open_review

    with open_review(directory).open_store() as store:
        (link,) = store.latest_links()
    return link


def test_dedup_review_shows_the_keys_both_abstracts_and_the_link_id(maybe_pair) -> None:
    directory, link_id = maybe_pair
    result = CliRunner().invoke(app, ["dedup", str(directory), "--review"], input="x\nd\n")
    assert result.exit_code == 0, result.output
    screen = result.output
    prompt = f"[1/1] Link {link_id}: same study? [d]uplicate, [n]ot, [s]kip, [q]uit"
    assert screen.count(prompt) == 2  # asked again after an answer that is not a key
    assert "Please answer d, n, s or q." in screen
    assert f"Link {link_id}: conference_vs_article (title 1.00, authors 1.00)" in screen
    first, second = _column(screen, 2), _column(screen, 3)
    assert _SHORT_ABSTRACT in second  # short: whole, and its brackets are not markup
    assert "Regional Anesthesia and Pain Medicine" in second
    assert _LONG_ABSTRACT[:500] in first  # long: its first ~600 characters ...
    assert "LAST-WORDS-OF-THE-ABSTRACT" not in first  # ... not the end
    shown = first[first.index("Background:"):]
    assert shown.endswith(f"… (+{len(_LONG_ABSTRACT) - len(shown.split(' … ')[0]):,} "
                          "characters)")
    assert 500 < len(shown.split(" … ")[0]) <= 600
    text = _one_line(screen)
    assert (f"Link {link_id}: duplicate (to take it back: litsieve dedup {directory} "
            f"--undo {link_id})") in text
    link = _latest(directory)
    assert (link.outcome, link.actor, link.replaces) == ("duplicate", "human:reviewer", link_id)
    assert "1 duplicate records in 1 clusters" in text


def test_dedup_review_skip_not_and_quit(maybe_pair) -> None:
    directory, link_id = maybe_pair
    runner = CliRunner()
    result = runner.invoke(app, ["dedup", str(directory), "--review"], input="s\n")
    assert result.exit_code == 0, result.output
    assert f"Link {link_id}: skipped, still waiting" in result.output
    assert _latest(directory).outcome == "maybe"
    result = runner.invoke(app, ["dedup", str(directory), "--review"], input="q\n")
    assert result.exit_code == 0 and _latest(directory).outcome == "maybe"
    result = runner.invoke(app, ["dedup", str(directory), "--review", "--reviewer", "ana"],
                           input="n\n")
    assert result.exit_code == 0, result.output
    assert f"Link {link_id}: two studies" in result.output
    assert (_latest(directory).outcome, _latest(directory).actor) == ("distinct", "human:ana")


# Progress: on a terminal only ----------------------------------------------------------------


def _terminal(monkeypatch) -> io.StringIO:
    """stderr as a terminal for the progress display (the CLI's console is made at import)."""
    screen = io.StringIO()
    # The module, not the typer app that screening.cli also calls ``app``.
    module = importlib.import_module("screening.cli.app")
    monkeypatch.setattr(module, "err", Console(file=screen, force_terminal=True, width=100))
    return screen


def test_progress_on_a_terminal_only(review: Path, capsys, monkeypatch) -> None:
    code, _, err = run(capsys, "dedup", review)
    assert code == 0 and err == ""  # not a terminal: no progress at all
    code, _, err = run(capsys, "rank", review, "--model", "svm")
    assert code == 0 and err == ""
    screen = _terminal(monkeypatch)
    assert run(capsys, "dedup", review, "--full")[0] == 0
    assert "Deduplicating the whole review" in screen.getvalue()
    assert run(capsys, "rank", review, "--model", "svm")[0] == 0
    assert "Ranking 10 records: building features" in screen.getvalue()


def test_embedding_progress_shows_a_bar(monkeypatch) -> None:
    from screening.cli.app import progress_bar
    from screening.cli.rank import _embedding_bar

    screen = _terminal(monkeypatch)
    with progress_bar() as bar:
        step = bar.add_task("Ranking 300 records: building features", total=None)
        progress = _embedding_bar(bar, step)
        progress(256, 300)
        assert not bar.tasks[0].visible and bar.tasks[1].total == 300
        bar.refresh()
        progress(300, 300)
        assert bar.tasks[0].visible and len(bar.tasks) == 1
    assert "Embedding 300 new records (once)" in screen.getvalue()
    assert "256/300" in screen.getvalue()
