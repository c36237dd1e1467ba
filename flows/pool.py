"""The ``pool`` flow: pool every outcome listed in a review config's ``[pooling]`` section.

Inputs: ``config_path`` (a review protocol TOML) and ``review_dir``. Outputs, per outcome
``<name>``: ``<review_dir>/<output>/<name>/results.json``, ``results.csv``, ``forest.png``
and ``forest.svg`` (``output`` defaults to ``pooling``). PRISMA boxes: none (pooling
comes after "studies included"). ::

    [pooling]
    output = "pooling"                 # optional, relative to the review directory

    [pooling.outcomes.pain]            # one table per outcome; <name> names the output folder
    file = "extraction/form.xlsx"      # extraction form or plain table, relative to the config
    measure = "MD"                     # MD SMD ROM RR OR RD GIV
    method = "IV"                      # IV MH Peto (default: the profile's)
    model = "random"                   # fixed | random (default fixed)
    tau2 = "REML"                      # DL REML PM (default: the profile's)
    hk = false
    profile = "revman5"                # revman5 | metafor
    level = 95
    prediction = true                  # default: the profile's
    outcome = "pain score"             # the outcome's name in the file (default: <name>)
    timepoint = "24 h"
    log_scale = false                  # GIV: estimates are log ratios
    favours_left = "ketamine"
    favours_right = "placebo"

The section is read here with ``tomllib`` and validated by the pydantic models below
(unknown keys are errors naming the file and key path); the other sections of the file are
not looked at, and ``screening.settings`` passes ``[pooling]`` through unvalidated, so the
section can live in the review's own ``litsieve.toml``.

Tasks are thin adapters over :func:`pool_outcome` (a plain function, tested directly). No
result caching: the inputs are file paths whose contents may change between runs, and
pooling takes well under a second.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from prefect import flow, get_run_logger, task
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from extraction.analysis import AnalysisOptions, analyse
from extraction.forest import save_forest
from extraction.inputs import load_studies
from extraction.results import write_results
from screening.errors import ConfigError

__all__ = [
    "OutcomeSpec",
    "PoolingSection",
    "load_pooling_config",
    "pool_outcome",
    "pool_outcome_task",
    "pool_review",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutcomeSpec(_Model):
    """``[pooling.outcomes.<name>]``: one outcome to pool."""

    file: str
    measure: Literal["MD", "SMD", "ROM", "RR", "OR", "RD", "GIV"]
    method: Literal["IV", "MH", "Peto"] | None = None
    model: Literal["fixed", "random"] = "fixed"
    tau2: Literal["DL", "REML", "PM"] | None = None
    hk: bool = False
    profile: Literal["revman5", "metafor"] = "revman5"
    level: float = Field(default=95, gt=0, lt=100)
    prediction: bool | None = None
    outcome: str | None = None
    timepoint: str | None = None
    log_scale: bool = False
    favours_left: str = "intervention"
    favours_right: str = "control"


class PoolingSection(_Model):
    """``[pooling]``: where results go and the outcomes to pool."""

    output: str = "pooling"
    outcomes: dict[str, OutcomeSpec] = Field(default_factory=dict)


def load_pooling_config(path: Path | str) -> PoolingSection:
    """The ``[pooling]`` section of a config file; ConfigError names the file and key path."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    if "pooling" not in data:
        raise ConfigError(f"{path}: pooling: no [pooling] section (nothing to pool)")
    try:
        section = PoolingSection.model_validate(data["pooling"])
    except ValidationError as exc:
        messages = []
        for error in exc.errors():
            key = ".".join(["pooling", *(str(part) for part in error["loc"])])
            if error["type"] == "extra_forbidden":
                messages.append(f"{path}: {key}: unknown key")
            elif error["type"] == "missing":
                messages.append(f"{path}: {key}: required key is missing")
            else:
                messages.append(f"{path}: {key}: {error['msg']} (got {error.get('input')!r})")
        raise ConfigError("\n".join(messages)) from exc
    if not section.outcomes:
        raise ConfigError(f"{path}: pooling.outcomes: no outcomes listed")
    return section


def pool_outcome(name: str, spec: OutcomeSpec, *, config_dir: Path, output_dir: Path
                 ) -> dict[str, Any]:
    """Pool one outcome and write its results and forest plot into ``output_dir / name``."""
    file = Path(spec.file)
    file = file if file.is_absolute() else config_dir / file
    loaded = load_studies(file, outcome=spec.outcome or None, timepoint=spec.timepoint)
    options = AnalysisOptions(
        measure=spec.measure, method=spec.method, model=spec.model, tau2_method=spec.tau2,
        hk=spec.hk, profile=spec.profile, level=spec.level, prediction=spec.prediction,
        log_scale=spec.log_scale, outcome=loaded.outcome or name,
    )
    analysis = analyse(loaded.studies, options)
    target = output_dir / name
    written = [*write_results(analysis, target),
               *save_forest(analysis, target, favours_left=spec.favours_left,
                            favours_right=spec.favours_right, title=options.outcome)]
    res = analysis.overall
    return {
        "outcome": name, "k": res.k, "estimate": res.natural(res.estimate),
        "ci_low": res.natural(res.ci_low), "ci_high": res.natural(res.ci_high),
        "warnings": list(res.warnings), "files": [str(p) for p in written],
    }


@task(name="pool-outcome")
def pool_outcome_task(name: str, spec: OutcomeSpec, config_dir: str, output_dir: str
                      ) -> dict[str, Any]:
    summary = pool_outcome(name, spec, config_dir=Path(config_dir), output_dir=Path(output_dir))
    get_run_logger().info("%s: k = %s, estimate %.4g [%.4g, %.4g]", name, summary["k"],
                          summary["estimate"], summary["ci_low"], summary["ci_high"])
    return summary


@flow(name="pool")
def pool_review(config_path: str, review_dir: str) -> dict[str, dict[str, Any]]:
    """Pool every outcome of ``[pooling.outcomes]``; returns a summary per outcome.

    Inputs: the config file and the review directory. Outputs: results.json, results.csv,
    forest.png and forest.svg per outcome under ``<review_dir>/<pooling.output>/<name>/``.
    """
    config = Path(config_path)
    section = load_pooling_config(config)
    output_dir = Path(review_dir) / section.output
    return {
        name: pool_outcome_task(name, spec, str(config.parent.resolve()), str(output_dir))
        for name, spec in section.outcomes.items()
    }
