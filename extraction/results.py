"""The results of an analysis as a dict, ``results.json`` and ``results.csv``.

``results.json`` (scripts rely on these names; never rename them)::

    outcome, timepoint, measure, method, model, tau2_method, profile, level, scale
    k, estimate, se, ci_low, ci_high, z, p, tau2, tau2_ci_low, tau2_ci_high,
    i2, h2, q, q_df, q_p, pi_low, pi_high          the pooled result (top level)
    log_estimate, log_se                           ratio measures only
    test ("z" or "t"), df, tau2_se, i2_ci_low, i2_ci_high, h2_ci_low, h2_ci_high,
    converged, warnings, extra (e.g. the CMH and Tarone tests of an MH odds ratio)
    studies: [{study, subgroup, estimate, se, ci_low, ci_high, weight, estimable, note,
               log_estimate, log_se, data}]
    subgroups: [{subgroup, <the pooled fields above>}], subgroup_test: {q, df, p, i2} | null

Conventions: ratio measures (RR, OR, ROM, Peto OR, GIV of log ratios) give ``estimate``,
``ci_low``, ``ci_high``, ``pi_low`` and ``pi_high`` as ratios (natural scale) and ``se`` as
null, because a ratio has a standard error only on the log scale: ``log_estimate`` and
``log_se`` carry it. τ² is always on the analysis (log) scale. ``i2`` and its interval are
percentages; ``weight`` is a percentage. ``z`` holds the test statistic (a t value when
``test`` is "t"). A statistic that does not apply (heterogeneity with k = 1, τ² in a
fixed-effect model, a prediction interval under ``revman5``) is null.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from extraction.analysis import Analysis
from extraction.pooling.result import PoolResult
from extraction.studies import Study

__all__ = ["CSV_COLUMNS", "POOLED_KEYS", "analysis_to_dict", "pooled_to_dict", "write_results"]

POOLED_KEYS = ("k", "estimate", "se", "ci_low", "ci_high", "z", "p", "tau2", "tau2_ci_low",
               "tau2_ci_high", "i2", "h2", "q", "q_df", "q_p", "pi_low", "pi_high")
CSV_COLUMNS = ("row_type", "subgroup", "study", "estimate", "ci_low", "ci_high", "se",
               "log_estimate", "log_se", "weight", "k", "z", "p", "tau2", "tau2_ci_low",
               "tau2_ci_high", "i2", "h2", "q", "q_df", "q_p", "pi_low", "pi_high", "note")


def _clean(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/inf to null."""
    if value is None or isinstance(value, bool | str | int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return number if math.isfinite(number) else None


def pooled_to_dict(result: PoolResult) -> dict[str, Any]:
    """The pooled fields of ``result`` under the published key names."""
    nat = result.natural
    out: dict[str, Any] = {
        "k": result.k,
        "estimate": nat(result.estimate),
        "se": None if result.log_scale else result.se,
        "ci_low": nat(result.ci_low),
        "ci_high": nat(result.ci_high),
        "z": result.statistic,
        "p": result.p,
        "tau2": result.tau2,
        "tau2_ci_low": result.tau2_ci_low,
        "tau2_ci_high": result.tau2_ci_high,
        "i2": result.i2,
        "h2": result.h2,
        "q": result.q,
        "q_df": result.q_df,
        "q_p": result.q_p,
        "pi_low": nat(result.pi_low),
        "pi_high": nat(result.pi_high),
    }
    if result.log_scale:
        out["log_estimate"] = result.estimate
        out["log_se"] = result.se
    out.update(
        test=result.test, df=result.df, tau2_se=result.tau2_se, i2_ci_low=result.i2_ci_low,
        i2_ci_high=result.i2_ci_high, h2_ci_low=result.h2_ci_low, h2_ci_high=result.h2_ci_high,
        converged=result.converged, warnings=list(result.warnings),
        extra={k: _clean(v) for k, v in result.extra.items()},
    )
    return {k: (_clean(v) if k not in ("warnings", "extra") else v) for k, v in out.items()}


def _study_data(study: Study) -> dict[str, Any]:
    data = asdict(study)
    return {k: _clean(v) for k, v in data.items() if k not in ("study", "subgroup", "where")}


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    opts = analysis.options
    overall = analysis.overall
    head: dict[str, Any] = {
        "outcome": opts.outcome,
        "measure": overall.measure,
        "method": overall.method,
        "model": overall.model,
        "tau2_method": overall.tau2_method,
        "profile": overall.profile,
        "level": opts.level,
        "scale": "ratio" if overall.log_scale else "difference",
    }
    head.update(pooled_to_dict(overall))
    data = {s.study: s for s in analysis.studies}
    rows = []
    for row in overall.studies:
        item: dict[str, Any] = {
            "study": row.study, "subgroup": row.subgroup,
            "estimate": overall.natural(row.estimate),
            "se": None if overall.log_scale else row.se,
            "ci_low": overall.natural(row.ci_low), "ci_high": overall.natural(row.ci_high),
            "weight": row.weight, "estimable": row.estimable, "note": row.note,
        }
        if overall.log_scale:
            item.update(log_estimate=row.estimate, log_se=row.se)
        item = {k: _clean(v) for k, v in item.items()}
        item["data"] = _study_data(data[row.study]) if row.study in data else {}
        rows.append(item)
    head["studies"] = rows
    head["subgroups"] = [{"subgroup": name, **pooled_to_dict(res)}
                         for name, res in analysis.subgroups]
    test = analysis.subgroup_test
    head["subgroup_test"] = None if test is None else {k: _clean(v)
                                                       for k, v in asdict(test).items()}
    return head


def _csv_row(kind: str, subgroup: str | None, study: str, values: dict[str, Any]) -> dict:
    row = {c: values.get(c) for c in CSV_COLUMNS}
    row.update(row_type=kind, subgroup=subgroup, study=study)
    return {k: "" if v is None else v for k, v in row.items()}


def write_results(analysis: Analysis, directory: Path | str) -> tuple[Path, Path]:
    """Write ``results.json`` and ``results.csv`` into ``directory``; returns their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    data = analysis_to_dict(analysis)
    json_path = directory / "results.json"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    csv_path = directory / "results.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CSV_COLUMNS))
        writer.writeheader()
        for item in data["studies"]:
            writer.writerow(_csv_row("study", item["subgroup"], item["study"], item))
        for group in data["subgroups"]:
            writer.writerow(_csv_row("subgroup", group["subgroup"], "", group))
        writer.writerow(_csv_row("overall", None, "", data))
    return json_path, csv_path
