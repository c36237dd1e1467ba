"""The PRISMA 2020 boxes by name, as JSON and as the CSV of the PRISMA2020 R package.

The names are those of the R package's template (``database_results``, ``duplicates``,
``dbr_excluded``, ...), so scripts can rely on them and the CSV opens in that package
(``PRISMA2020::PRISMA_data(read.csv(file))``) and its Shiny app. Boxes a review's template
does not have (previous studies of a new review, other methods when none were used) are
``null`` in JSON and ``NA`` in the CSV. In the CSV, lists are written as the package
reads them (``"PubMed, 10; Embase, 7"``), so names lose any ``,`` or ``;``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from screening.prisma.checks import check_counts
from screening.prisma.counts import PrismaCounts

__all__ = ["BOX_NAMES", "CSV_COLUMNS", "counts_to_boxes", "counts_to_csv", "counts_to_json"]

#: The columns of the R package's template CSV.
CSV_COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")

# (data, node, box, description, boxtext): the rows of the R package's template.
_ROWS = (
    ("", "node4", "prevstud", "Grey title box; Previous studies", "Previous studies"),
    ("previous_studies", "node5", "box1", "Studies included in previous version of review",
     "Studies included in previous version of review"),
    ("previous_reports", "", "box1",
     "Reports of studies included in previous version of review",
     "Reports of studies included in previous version of review"),
    ("", "node6", "newstud",
     "Yellow title box; Identification of new studies via databases and registers",
     "Identification of new studies via databases and registers"),
    ("database_results", "node7", "box2", "Records identified from: Databases", "Databases"),
    ("database_specific_results", "", "box2", "Records identified from each database",
     "Databases"),
    ("register_results", "", "box2", "Records identified from: Registers", "Registers"),
    ("register_specific_results", "", "box2", "Records identified from each register",
     "Registers"),
    ("", "node16", "othstud", "Grey title box; Identification of new studies via other methods",
     "Identification of new studies via other methods"),
    ("website_results", "node17", "box11", "Records identified from: Websites", "Websites"),
    ("organisation_results", "", "box11", "Records identified from: Organisations",
     "Organisations"),
    ("citations_results", "", "box11", "Records identified from: Citation searching",
     "Citation searching"),
    ("duplicates", "node8", "box3", "Duplicate records", "Duplicate records"),
    ("excluded_automatic", "", "box3", "Records marked as ineligible by automation tools",
     "Records marked as ineligible by automation tools"),
    ("excluded_other", "", "box3", "Records removed for other reasons",
     "Records removed for other reasons"),
    ("records_screened", "node9", "box4", "Records screened (databases and registers)",
     "Records screened"),
    ("records_excluded", "node10", "box5", "Records excluded (databases and registers)",
     "Records excluded"),
    ("dbr_sought_reports", "node11", "box6",
     "Reports sought for retrieval (databases and registers)", "Reports sought for retrieval"),
    ("dbr_notretrieved_reports", "node12", "box7",
     "Reports not retrieved (databases and registers)", "Reports not retrieved"),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other)",
     "Reports sought for retrieval"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other)",
     "Reports not retrieved"),
    ("dbr_assessed", "node13", "box8",
     "Reports assessed for eligibility (databases and registers)",
     "Reports assessed for eligibility"),
    ("dbr_excluded", "node14", "box9", "Reports excluded (databases and registers)",
     "Reports excluded"),
    ("other_assessed", "node20", "box14", "Reports assessed for eligibility (other)",
     "Reports assessed for eligibility"),
    ("other_excluded", "node21", "box15", "Reports excluded (other)", "Reports excluded"),
    ("new_studies", "node15", "box10", "New studies included in review",
     "New studies included in review"),
    ("new_reports", "", "box10", "Reports of new included studies",
     "Reports of new included studies"),
    ("total_studies", "node22", "box16", "Total studies included in review",
     "Total studies included in review"),
    ("total_reports", "", "box16", "Reports of total included studies",
     "Reports of total included studies"),
    ("identification", "node1", "identification", "Blue identification box", "Identification"),
    ("screening", "node2", "screening", "Blue screening box", "Screening"),
    ("included", "node3", "included", "Blue included box", "Included"),
)

#: Every box name, in template order.
BOX_NAMES = tuple(row[0] for row in _ROWS if row[0] and row[0] not in
                  {"identification", "screening", "included"})

_OTHER = frozenset(
    name for name in BOX_NAMES
    if name.startswith(("website", "organisation", "citations", "other_"))
)
_PREVIOUS = frozenset({"previous_studies", "previous_reports"})


def counts_to_boxes(counts: PrismaCounts) -> dict[str, Any]:
    """Box name -> number (or name -> number for the ``*_specific_results`` and ``*_excluded``
    boxes); None for a box the review's template does not have."""
    boxes: dict[str, Any] = {}
    for name in BOX_NAMES:
        value = getattr(counts, name)
        if (name in _OTHER and not counts.other_methods) or (
            name in _PREVIOUS and not counts.updated
        ):
            value = None
        boxes[name] = dict(value) if isinstance(value, dict) else value
    return boxes


def counts_to_json(counts: PrismaCounts, *, indent: int | None = 2) -> str:
    """The boxes as a JSON object, plus ``litsieve``: what the template has no box for
    (the human/automation split of records excluded, work awaiting a decision, the reason
    labels, the template drawn, and the problems: the arithmetic's, then each decision the
    counts leave out because it contradicts its record's earlier stages, also listed in
    ``ignored_decisions`` with its fields)."""
    data = counts_to_boxes(counts)
    data["litsieve"] = {
        "template": "updated" if counts.updated else "new",
        "other_methods": counts.other_methods,
        "records_excluded_human": counts.records_excluded_human,
        "records_excluded_automation": counts.records_excluded_automation,
        "website_specific_results": dict(counts.website_specific_results),
        "organisation_specific_results": dict(counts.organisation_specific_results),
        "citations_specific_results": dict(counts.citations_specific_results),
        "other_not_sought": counts.other_not_sought,
        "awaiting_screening": counts.awaiting_screening,
        "dbr_awaiting_retrieval": counts.dbr_awaiting_retrieval,
        "dbr_awaiting_eligibility": counts.dbr_awaiting_eligibility,
        "other_awaiting_retrieval": counts.other_awaiting_retrieval,
        "other_awaiting_eligibility": counts.other_awaiting_eligibility,
        "reason_labels": {
            code: counts.reason_label(code)
            for code in [*counts.dbr_excluded, *counts.other_excluded]
        },
        "problems": [str(problem) for problem in check_counts(counts)]
        + [str(ignored) for ignored in counts.ignored_decisions],
        "ignored_decisions": [ignored.to_json() for ignored in counts.ignored_decisions],
    }
    return json.dumps(data, indent=indent, ensure_ascii=False) + "\n"


def _clean(name: str) -> str:
    return " ".join(name.replace(";", " ").replace(",", " ").split())


def _pairs(values: dict[str, int], label: Any = str) -> str:
    return "; ".join(f"{_clean(label(name))}, {n}" for name, n in values.items())


def counts_to_csv(counts: PrismaCounts) -> str:
    """The boxes as the PRISMA2020 R package's template CSV (columns :data:`CSV_COLUMNS`)."""
    boxes = counts_to_boxes(counts)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for data, node, box, description, boxtext in _ROWS:
        value = boxes.get(data, "")
        if value is None:
            n = "NA"
        elif data in ("dbr_excluded", "other_excluded"):
            n = _pairs(value, counts.reason_label) or "0"
        elif isinstance(value, dict):
            n = _pairs(value)
        else:
            n = str(value)
        writer.writerow(
            [data or "NA", node or "NA", box, description, boxtext, description, "NA", n]
        )
    return buffer.getvalue()
