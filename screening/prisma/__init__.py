"""PRISMA 2020: every box of the flow diagram derived from the store, checked, and drawn.

::

    with review.open_store() as store:
        counts = prisma_counts(store, reason_labels=config.criteria.reasons)
    ensure_counts_add_up(counts)               # PrismaError naming boxes and numbers
    write_diagram(counts, "prisma.png", format="png")
    counts_to_json(counts)                     # box names of the PRISMA2020 R package

Modules: ``kinds`` (database, register or other method, from a source's database name),
``studies`` (linking reports to studies), ``counts`` (each record's fate and the boxes),
``checks`` (the arithmetic), ``contradictions`` (screening decisions about a stage their
record never reached: refused at import, listed by the counts), ``boxes`` (JSON and CSV),
``wording`` and ``diagram``.
"""

from screening.prisma.boxes import BOX_NAMES, counts_to_boxes, counts_to_csv, counts_to_json
from screening.prisma.checks import ArithmeticProblem, check_counts, ensure_counts_add_up
from screening.prisma.contradictions import IgnoredDecision
from screening.prisma.counts import (
    Fate,
    PrismaCounts,
    PrismaError,
    RecordFate,
    count_fates,
    fates_from_decisions,
    prisma_counts,
    record_fates,
)
from screening.prisma.diagram import DIAGRAM_FORMATS, draw_diagram, write_diagram
from screening.prisma.kinds import SourceKind, source_kind
from screening.prisma.studies import link_reports, study_link, study_links, unlink_report

__all__ = [
    "ArithmeticProblem",
    "BOX_NAMES",
    "DIAGRAM_FORMATS",
    "Fate",
    "IgnoredDecision",
    "PrismaCounts",
    "PrismaError",
    "RecordFate",
    "SourceKind",
    "check_counts",
    "count_fates",
    "counts_to_boxes",
    "counts_to_csv",
    "counts_to_json",
    "draw_diagram",
    "ensure_counts_add_up",
    "fates_from_decisions",
    "link_reports",
    "prisma_counts",
    "record_fates",
    "source_kind",
    "study_link",
    "study_links",
    "unlink_report",
    "write_diagram",
]
