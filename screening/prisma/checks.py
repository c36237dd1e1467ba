"""The arithmetic of the PRISMA 2020 flow: each check names its boxes and numbers.

For databases and registers (and likewise for other methods, from "sought" on)::

    identified                 = removed before screening + records screened
    records screened - excluded = reports sought for retrieval
    reports sought - not retrieved = reports assessed for eligibility
    reports assessed - excluded = reports of included studies

and reports of included studies = those via databases and registers + via other methods;
studies <= reports. A review still in progress does not add up: the message then says
how many records or reports await a decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from screening.prisma.counts import PrismaCounts, PrismaError

__all__ = ["ArithmeticProblem", "check_counts", "ensure_counts_add_up"]


@dataclass(frozen=True, slots=True)
class _Term:
    label: str
    box: str
    n: int
    sign: int = 1


@dataclass(frozen=True, slots=True)
class ArithmeticProblem:
    """One relation of the flow that does not hold.

    ``difference`` is left minus right; ``pending`` is how many records or reports of that
    difference still await a decision (``pending == difference``: work in progress).
    ``relation`` is ``"="`` (left must equal right) or ``"<="``.
    """

    left: tuple[_Term, ...]
    right: tuple[_Term, ...]
    difference: int
    pending: int = 0
    pending_what: str = ""
    relation: str = "="

    def __str__(self) -> str:
        def side(terms: tuple[_Term, ...]) -> tuple[str, str]:
            pairs = [("- " if t.sign < 0 else "+ " if i else "", t) for i, t in enumerate(terms)]
            words = " ".join(f"{sign}{t.label} ({t.n})" for sign, t in pairs)
            if len(terms) > 1:
                words += f" = {sum(t.sign * t.n for t in terms)}"
            return words, " ".join(f"{sign}{t.box}" for sign, t in pairs)

        (lw, lb), (rw, rb) = side(self.left), side(self.right)
        if self.relation == "=":
            text = f"{lw}, but {rw} ({lb} != {rb})"
        else:
            text = f"{lw} is more than {rw} ({lb} > {rb}); every study has at least one report"
        if self.pending:
            text += f"; {self.pending} {self.pending_what}"
        return text


def _equation(
    left: Sequence[_Term], right: Sequence[_Term], pending: int = 0, what: str = ""
) -> ArithmeticProblem | None:
    difference = sum(t.sign * t.n for t in left) - sum(t.sign * t.n for t in right)
    if difference == 0:
        return None
    return ArithmeticProblem(tuple(left), tuple(right), difference, pending, what)


def _await(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def check_counts(counts: PrismaCounts) -> list[ArithmeticProblem]:
    """Every equation of the flow that ``counts`` breaks (empty when it all adds up)."""
    c = counts
    t = _Term
    checks = [
        _equation(
            [t("records identified from databases", "database_results", c.database_results),
             t("registers", "register_results", c.register_results)],
            [t("duplicate records removed", "duplicates", c.duplicates),
             t("records marked as ineligible by automation tools", "excluded_automatic",
               c.excluded_automatic),
             t("records removed for other reasons", "excluded_other", c.excluded_other),
             t("records screened", "records_screened", c.records_screened)],
            c.awaiting_screening,
            _await(c.awaiting_screening, "record awaits title/abstract screening",
                   "records await title/abstract screening"),
        ),
        _equation(
            [t("records screened", "records_screened", c.records_screened),
             t("records excluded", "records_excluded", c.records_excluded, -1)],
            [t("reports sought for retrieval", "dbr_sought_reports", c.dbr_sought_reports)],
        ),
    ]
    for prefix, where in (("dbr", "databases and registers"), ("other", "other methods")):
        sought = getattr(c, f"{prefix}_sought_reports")
        not_retrieved = getattr(c, f"{prefix}_notretrieved_reports")
        assessed = getattr(c, f"{prefix}_assessed")
        excluded = sum(getattr(c, f"{prefix}_excluded").values())
        included = getattr(c, f"{prefix}_included_reports")
        waiting = getattr(c, f"{prefix}_awaiting_retrieval")
        undecided = getattr(c, f"{prefix}_awaiting_eligibility")
        checks += [
            _equation(
                [t(f"reports sought for retrieval ({where})", f"{prefix}_sought_reports", sought),
                 t("reports not retrieved", f"{prefix}_notretrieved_reports", not_retrieved, -1)],
                [t("reports assessed for eligibility", f"{prefix}_assessed", assessed)],
                waiting,
                _await(waiting, "report has no full-text decision yet",
                       "reports have no full-text decision yet"),
            ),
            _equation(
                [t(f"reports assessed for eligibility ({where})", f"{prefix}_assessed",
                   assessed),
                 t("reports excluded", f"{prefix}_excluded", excluded, -1)],
                [t("reports of included studies", f"{prefix}_included_reports", included)],
                undecided,
                _await(undecided, "report is 'maybe' at full text (no eligibility decision)",
                       "reports are 'maybe' at full text (no eligibility decision)"),
            ),
        ]
    checks.append(
        _equation(
            [t("reports of included studies", "new_reports", c.new_reports)],
            [t("via databases and registers", "dbr_included_reports", c.dbr_included_reports),
             t("via other methods", "other_included_reports", c.other_included_reports)],
        )
    )
    problems = [problem for problem in checks if problem is not None]
    for label, studies_box, reports_box in (
        ("", "new_studies", "new_reports"),
        ("previous ", "previous_studies", "previous_reports"),
    ):
        studies, reports = getattr(c, studies_box) or 0, getattr(c, reports_box) or 0
        if studies > reports:
            problems.append(
                ArithmeticProblem(
                    (t(f"{label}studies included", studies_box, studies),),
                    (t(f"{label}reports of included studies", reports_box, reports),),
                    studies - reports,
                    relation="<=",
                )
            )
    return problems


def ensure_counts_add_up(counts: PrismaCounts) -> None:
    """Raise PrismaError listing every equation ``counts`` breaks."""
    problems = check_counts(counts)
    if problems:
        lines = "\n".join(str(p) for p in problems)
        hint = ""
        if counts.pending:
            hint = ("\nthe review is still in progress; `litsieve prisma --draft` draws it "
                    "anyway, marked as a draft")
        raise PrismaError(f"the PRISMA 2020 counts do not add up:\n{lines}{hint}")
