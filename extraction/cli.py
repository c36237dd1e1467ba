"""``litsieve pool`` and ``litsieve extract template|check|compare``.

Added to the ``litsieve`` app through the ``litsieve.commands`` entry point
(``extraction = "extraction.cli:register"``). This module imports only typer and the
standard library at import time; numpy, scipy and matplotlib load inside the commands, so
``litsieve`` starts fast. Errors of this package (:class:`~extraction.errors.ExtractionError`)
print ``error: <message>`` to stderr and exit 1 (a traceback too with ``--debug``); usage
errors exit 2 (typer's default).
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

__all__ = ["extract_app", "register"]

F = TypeVar("F", bound=Callable[..., Any])



class Measure(StrEnum):
    MD = "MD"
    SMD = "SMD"
    ROM = "ROM"
    RR = "RR"
    OR = "OR"
    RD = "RD"
    GIV = "GIV"


class Method(StrEnum):
    IV = "IV"
    MH = "MH"
    PETO = "Peto"


class Model(StrEnum):
    FIXED = "fixed"
    RANDOM = "random"


class Tau2(StrEnum):
    DL = "DL"
    REML = "REML"
    PM = "PM"


class ProfileName(StrEnum):
    REVMAN5 = "revman5"
    METAFOR = "metafor"

extract_app = typer.Typer(
    name="extract",
    help="The data-extraction form: write a template, check a filled one, compare two.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _debug(ctx: typer.Context | None) -> bool:
    """Whether the root ``--debug`` option was given (every command takes the context)."""
    return bool(ctx is not None and ctx.find_root().params.get("debug"))


def _guarded(func: F) -> F:
    """Print this package's errors as ``error: ...`` on stderr and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from extraction.errors import ExtractionError

        try:
            return func(*args, **kwargs)
        except ExtractionError as exc:
            if _debug(kwargs.get("ctx")):
                traceback.print_exc(file=sys.stderr)
            sys.stderr.write(f"error: {exc}\n")
            raise typer.Exit(1) from exc

    return wrapper  # type: ignore[return-value]


def _count(n: int, word: str) -> str:
    plural = "studies" if word == "study" else f"{word}s"
    return f"{n} {word if n == 1 else plural}"


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _level_option(value: float) -> float:
    """``--level``: a confidence level in percent, strictly between 0 and 100 (else a usage
    error, exit 2)."""
    if not 0 < value < 100:
        raise typer.BadParameter(f"a confidence level in percent is between 0 and 100, "
                                 f"e.g. 95 (got {value:g})")
    return value


def pool_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An extraction form or a plain study table "
                                              "(.csv or .xlsx).")],
    measure: Annotated[Measure, typer.Option(
        "--measure", "-m", case_sensitive=False, help="Effect measure.")],
    outcome: Annotated[str | None, typer.Option(
        "--outcome", help="Outcome to pool (needed when the file has several).")] = None,
    timepoint: Annotated[str | None, typer.Option(
        "--timepoint", help="Time point to pool (needed when the outcome has several).")] = None,
    method: Annotated[Method | None, typer.Option(
        "--method", case_sensitive=False,
        help="Pooling method (default: the profile's; revman5: MH for RR/OR/RD, else IV).",
    )] = None,
    model: Annotated[Model, typer.Option(
        "--model", case_sensitive=False,
        help="Fixed-effect or random-effects model.")] = Model.FIXED,
    tau2: Annotated[Tau2 | None, typer.Option(
        "--tau2", case_sensitive=False,
        help="tau² estimator for random effects (default: the profile's).")] = None,
    hk: Annotated[bool, typer.Option(
        "--hk", help="Hartung-Knapp-Sidik-Jonkman CI and t test (random effects).")] = False,
    profile: Annotated[ProfileName, typer.Option(
        "--profile", case_sensitive=False,
        help="Conventions to follow: RevMan 5 or metafor.")] = ProfileName.REVMAN5,
    level: Annotated[float, typer.Option(
        "--level", callback=_level_option, help="Confidence level in percent.")] = 95,
    prediction: Annotated[bool | None, typer.Option(
        "--prediction/--no-prediction",
        help="Prediction interval (default: the profile's; metafor yes, revman5 no).")] = None,
    log_scale: Annotated[bool, typer.Option(
        "--log-scale", help="GIV: the estimates are log ratios (report them as ratios).")] = False,
    favours_left: Annotated[str, typer.Option(
        "--favours-left", help="Label under the left of the plot.")] = "intervention",
    favours_right: Annotated[str, typer.Option(
        "--favours-right", help="Label under the right of the plot.")] = "control",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Directory for results.json, results.csv, forest.png and "
                               "forest.svg.")] = None,
) -> None:
    """Pool one outcome and print the results table."""
    from extraction.analysis import AnalysisOptions, analyse
    from extraction.inputs import load_studies
    from extraction.report import format_analysis

    loaded = load_studies(file, outcome=outcome, timepoint=timepoint)
    options = AnalysisOptions(
        measure=measure.value, method=method.value if method else None, model=model.value,
        tau2_method=tau2.value if tau2 else None, hk=hk, profile=profile.value, level=level,
        prediction=prediction, log_scale=log_scale,
        outcome=loaded.outcome,
    )
    analysis = analyse(loaded.studies, options)
    for note in loaded.notes:
        _out(f"note: {note}")
    _out(format_analysis(analysis, timepoint=loaded.timepoint))
    if output is not None:
        from extraction.forest import save_forest
        from extraction.results import write_results

        written = [*write_results(analysis, output),
                   *save_forest(analysis, output, favours_left=favours_left,
                                favours_right=favours_right,
                                title=loaded.outcome)]
        _out("Wrote " + ", ".join(str(p) for p in written))


def template_command(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="The review directory (litsieve init).")],
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="The form to write: FILE.xlsx or FILE.csv.")],
    outcome: Annotated[list[str] | None, typer.Option(
        "--outcome", help="An outcome to extract (repeat for several; default: the "
                          "[pooling.outcomes] of DIR/litsieve.toml).")] = None,
) -> None:
    """Write an extraction form: one row per included study, outcome and arm.

    The included studies come from DIR/exports/included.csv (record_id, title, authors,
    year), which `litsieve export DIR --stage full_text --outcome include --output
    DIR/exports/included.csv` writes; without it the form has example rows.
    """
    from extraction.errors import ExtractionInputError, Problem
    from extraction.template import INCLUDED_CSV, config_outcomes, read_included, write_template

    if not directory.is_dir():
        raise ExtractionInputError([Problem(str(directory), 1, "directory", "not found")])
    if output.suffix.lower() not in (".xlsx", ".csv"):
        raise typer.BadParameter(f"the form must end in .xlsx or .csv (got {output.name!r})",
                                 param_hint="--output")
    included_path = directory / INCLUDED_CSV
    included = read_included(included_path) if included_path.is_file() else None
    outcomes = outcome or config_outcomes(directory / "litsieve.toml")
    result = write_template(output, included=included, outcomes=outcomes)
    _out(f"Wrote {result.path}: {_count(result.rows, 'row')} ({_count(result.studies, 'study')}"
         f" x {_count(len(result.outcomes), 'outcome')} x 2 arms)")
    if result.examples:
        _out(f"note: {included_path} was not found, so the form has example rows; write it "
             f"with `litsieve export {directory} --stage full_text --outcome include "
             f"--output {included_path}` and run this again")


def check_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A filled extraction form (.xlsx or .csv).")],
) -> None:
    """Check a filled form; every problem is printed as file:row: column: message."""
    from extraction.schema import load_extraction

    extraction = load_extraction(file)
    studies = {a.study for a in extraction.arms}
    counts = ", ".join(_count(n, word) for n, word in (
        (len(extraction.arms), "row"), (len(studies), "study"),
        (len(extraction.outcomes()), "outcome")))
    _out(f"{file}: {counts}: no problems")
    for note in extraction.conversions():
        _out(f"converted: {note}")


def compare_command(
    ctx: typer.Context,
    first: Annotated[Path, typer.Argument(help="Extractor A's form.")],
    second: Annotated[Path, typer.Argument(help="Extractor B's form.")],
) -> None:
    """List every disagreement between two extractors' forms (exit 1 if there are any)."""
    from extraction.compare import compare_extractions

    found = compare_extractions(first, second)
    for item in found:
        _out(str(item))
    if found:
        _out(f"{len(found)} disagreement{'s' if len(found) != 1 else ''}")
        raise typer.Exit(1)
    _out("The two forms agree")


extract_app.command("template")(_guarded(template_command))
extract_app.command("check")(_guarded(check_command))
extract_app.command("compare")(_guarded(compare_command))


def register(app: typer.Typer) -> None:
    """Add ``pool`` and the ``extract`` group to the ``litsieve`` app (entry-point hook)."""
    app.command("pool")(_guarded(pool_command))
    app.add_typer(extract_app, name="extract")
