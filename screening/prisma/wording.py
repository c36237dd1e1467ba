"""The text of each box of the PRISMA 2020 flow diagram, in the templates' wording.

Wording as published with the PRISMA 2020 statement (Page et al., BMJ 2021;372:n71): the
new-review templates (databases and registers only, or with other methods) and the
updated-review templates. Lists name each database, register or other source, and each
exclusion reason (its description from ``[criteria.reasons]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from screening.prisma.counts import PrismaCounts
from screening.prisma.kinds import normalize_source_name

__all__ = ["BoxText", "FOOTNOTES", "box_texts", "draft_note"]

Line = tuple[str, int]  # text and indent level


@dataclass(frozen=True, slots=True)
class BoxText:
    """The lines of one box (text, indent level) and how they are aligned."""

    key: str
    lines: tuple[Line, ...]
    align: Literal["left", "center"] = "center"


FOOTNOTES = (
    "*Consider, if feasible to do so, reporting the number of records identified from each "
    "database or register searched (rather than the total number across all "
    "databases/registers).",
    "**If automation tools were used, indicate how many records were excluded by a human "
    "and how many were excluded by automation tools.",
    "From: Page MJ, McKenzie JE, Bossuyt PM, Boutron I, Hoffmann TC, Mulrow CD, et al. The "
    "PRISMA 2020 statement: an updated guideline for reporting systematic reviews. "
    "BMJ 2021;372:n71. doi: 10.1136/bmj.n71",
)


def _n(value: int | None) -> str:
    """``(n = 1,234)`` with no-break spaces, so wrapping never splits it."""
    return f"(n\u00a0=\u00a0{value if value is not None else 0:,})"


def _listed(title: str, specific: dict[str, int], *, level: int = 1) -> list[Line]:
    """A total line and, under it, one line per source (unless named like the total)."""
    lines: list[Line] = [(f"{title} {_n(sum(specific.values()))}", level)]
    generic = normalize_source_name(title).rstrip("s")
    lines += [
        (f"{name} {_n(n)}", level + 1)
        for name, n in specific.items()
        if normalize_source_name(name).rstrip("s") != generic
    ]
    return lines


def _reasons(counts: PrismaCounts, excluded: dict[str, int]) -> tuple[Line, ...]:
    if not excluded:
        return (("Reports excluded:", 0), (_n(0), 1))
    lines = [(f"{counts.reason_label(code)} {_n(n)}", 1) for code, n in excluded.items()]
    return (("Reports excluded:", 0), *lines)


def box_texts(counts: PrismaCounts) -> dict[str, BoxText]:
    """Every box the review's template has, by key (``main_*``, ``right_*``, ``other_*``,
    ``prev``, ``header_*``, ``side_*``)."""
    c = counts
    new = "new " if c.updated else ""
    boxes = [
        BoxText("header_main", ((f"Identification of {new}studies via databases and "
                                 "registers", 0),)),
        BoxText("main_identified", (
            ("Records identified from*:", 0),
            *_listed("Databases", c.database_specific_results),
            *_listed("Registers", c.register_specific_results),
        ), "left"),
        BoxText("right_identified", (
            ("Records removed before screening:", 0),
            (f"Duplicate records removed {_n(c.duplicates)}", 1),
            (f"Records marked as ineligible by automation tools {_n(c.excluded_automatic)}", 1),
            (f"Records removed for other reasons {_n(c.excluded_other)}", 1),
        ), "left"),
        BoxText("main_screened", (("Records screened", 0), (_n(c.records_screened), 0))),
        BoxText("right_screened", (
            ("Records excluded**", 0), (_n(c.records_excluded), 0),
            *((
                (f"by a human {_n(c.records_excluded_human)}", 0),
                (f"by automation tools {_n(c.records_excluded_automation)}", 0),
            ) if c.records_excluded_automation else ()),
        )),
        BoxText("main_sought", (("Reports sought for retrieval", 0),
                                (_n(c.dbr_sought_reports), 0))),
        BoxText("right_sought", (("Reports not retrieved", 0),
                                 (_n(c.dbr_notretrieved_reports), 0))),
        BoxText("main_assessed", (("Reports assessed for eligibility", 0),
                                  (_n(c.dbr_assessed), 0))),
        BoxText("right_assessed", _reasons(c, c.dbr_excluded), "left"),
        BoxText("main_included", (
            (f"{'New s' if c.updated else 'S'}tudies included in review", 0),
            (_n(c.new_studies), 0),
            (f"Reports of {new}included studies", 0),
            (_n(c.new_reports), 0),
        )),
        BoxText("side_identification", (("Identification", 0),)),
        BoxText("side_screening", (("Screening", 0),)),
        BoxText("side_included", (("Included", 0),)),
    ]
    if c.other_methods:
        boxes += [
            BoxText("header_other", ((f"Identification of {new}studies via other methods",
                                      0),)),
            BoxText("other_identified", (
                ("Records identified from:", 0),
                *_listed("Websites", c.website_specific_results),
                *_listed("Organisations", c.organisation_specific_results),
                *_listed("Citation searching", c.citations_specific_results),
            ), "left"),
            BoxText("other_sought", (("Reports sought for retrieval", 0),
                                     (_n(c.other_sought_reports), 0))),
            BoxText("otherright_sought", (("Reports not retrieved", 0),
                                          (_n(c.other_notretrieved_reports), 0))),
            BoxText("other_assessed", (("Reports assessed for eligibility", 0),
                                       (_n(c.other_assessed), 0))),
            BoxText("otherright_assessed", _reasons(c, c.other_excluded), "left"),
        ]
    if c.updated:
        boxes += [
            BoxText("header_prev", (("Previous studies", 0),)),
            BoxText("prev", (
                ("Studies included in previous version of review", 0),
                (_n(c.previous_studies), 0),
                ("", 0),
                ("Reports of studies included in previous version of review", 0),
                (_n(c.previous_reports), 0),
            )),
            BoxText("main_total", (
                ("Total studies included in review", 0), (_n(c.total_studies), 0),
                ("Reports of total included studies", 0), (_n(c.total_reports), 0),
            )),
        ]
    return {box.key: box for box in boxes}


def draft_note(counts: PrismaCounts) -> str:
    """The warning a draft diagram carries: what still awaits a decision."""
    c = counts
    parts = [
        (c.awaiting_screening, "record awaits title/abstract screening",
         "records await title/abstract screening"),
        (c.dbr_awaiting_retrieval + c.other_awaiting_retrieval,
         "report has no full-text decision", "reports have no full-text decision"),
        (c.dbr_awaiting_eligibility + c.other_awaiting_eligibility,
         "report is 'maybe' at full text", "reports are 'maybe' at full text"),
    ]
    pending = [f"{n:,} {one if n == 1 else many}" for n, one, many in parts if n]
    return "DRAFT: " + ("; ".join(pending) if pending else "the counts do not add up")
