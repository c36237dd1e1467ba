"""The shapes of the PRISMA counts: each record's fate, and every box of the diagram."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from screening.errors import ReviewError
from screening.prisma.contradictions import IgnoredDecision
from screening.prisma.kinds import SourceKind

__all__ = ["Fate", "NO_REASON", "PrismaCounts", "PrismaError", "RecordFate", "UNKNOWN_DATABASE"]

#: The key of full-text exclusions recorded without a reason code.
NO_REASON = "(no reason recorded)"
#: The database name of records whose source names none.
UNKNOWN_DATABASE = "unknown"


class PrismaError(ReviewError):
    """The PRISMA counts cannot be derived, or do not add up."""


class Fate(StrEnum):
    """Where a record ends in the PRISMA flow (values are a data contract)."""

    REMOVED_OTHER = "removed_other"
    DUPLICATE = "duplicate"
    EXCLUDED_AUTOMATIC = "excluded_automatic"
    AWAITING_SCREENING = "awaiting_screening"
    EXCLUDED_HUMAN = "excluded_human"
    EXCLUDED_AUTOMATION = "excluded_automation"
    AWAITING_RETRIEVAL = "awaiting_retrieval"
    NOT_RETRIEVED = "not_retrieved"
    EXCLUDED_FULL_TEXT = "excluded_full_text"
    AWAITING_ELIGIBILITY = "awaiting_eligibility"
    INCLUDED = "included"


@dataclass(frozen=True, slots=True)
class RecordFate:
    """One record's place in the flow: its source, fate, exclusion reason and study."""

    record_id: str
    database: str
    kind: SourceKind
    fate: Fate
    reason: str | None = None  # full-text exclusions: the reason code (NO_REASON if none)
    study_id: str | None = None  # included reports: their study (the record id if unlinked)
    # its latest title/abstract or full-text decisions that the fate leaves out (a stage the
    # record never reached: see screening.prisma.contradictions)
    ignored: tuple[IgnoredDecision, ...] = ()


@dataclass(frozen=True)
class PrismaCounts:
    """Every box of the PRISMA 2020 flow diagram (names as in the PRISMA2020 R package).

    ``*_specific_results`` map a source name to its records; ``dbr_excluded`` and
    ``other_excluded`` map a reason code to its reports. ``awaiting_*`` count work not done
    yet (not boxes): while any is non-zero the arithmetic does not add up. The previous
    counts are None for a new review. ``ignored_decisions`` are the decisions the counts
    leave out because they contradict their record's earlier stages (not boxes).
    """

    database_specific_results: dict[str, int] = field(default_factory=dict)
    register_specific_results: dict[str, int] = field(default_factory=dict)
    website_specific_results: dict[str, int] = field(default_factory=dict)
    organisation_specific_results: dict[str, int] = field(default_factory=dict)
    citations_specific_results: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    excluded_automatic: int = 0
    excluded_other: int = 0
    awaiting_screening: int = 0
    records_screened: int = 0
    records_excluded_human: int = 0
    records_excluded_automation: int = 0
    dbr_sought_reports: int = 0
    dbr_notretrieved_reports: int = 0
    dbr_awaiting_retrieval: int = 0
    dbr_assessed: int = 0
    dbr_excluded: dict[str, int] = field(default_factory=dict)
    dbr_awaiting_eligibility: int = 0
    dbr_included_reports: int = 0
    other_not_sought: int = 0
    other_sought_reports: int = 0
    other_notretrieved_reports: int = 0
    other_awaiting_retrieval: int = 0
    other_assessed: int = 0
    other_excluded: dict[str, int] = field(default_factory=dict)
    other_awaiting_eligibility: int = 0
    other_included_reports: int = 0
    new_studies: int = 0
    new_reports: int = 0
    previous_studies: int | None = None
    previous_reports: int | None = None
    reason_labels: dict[str, str] = field(default_factory=dict)
    ignored_decisions: tuple[IgnoredDecision, ...] = ()

    @property
    def database_results(self) -> int:
        return sum(self.database_specific_results.values())

    @property
    def register_results(self) -> int:
        return sum(self.register_specific_results.values())

    @property
    def website_results(self) -> int:
        return sum(self.website_specific_results.values())

    @property
    def organisation_results(self) -> int:
        return sum(self.organisation_specific_results.values())

    @property
    def citations_results(self) -> int:
        return sum(self.citations_specific_results.values())

    @property
    def identified_dbr(self) -> int:
        """Records identified from databases and registers."""
        return self.database_results + self.register_results

    @property
    def identified_other(self) -> int:
        """Records identified by other methods."""
        return self.website_results + self.organisation_results + self.citations_results

    @property
    def removed_before_screening(self) -> int:
        return self.duplicates + self.excluded_automatic + self.excluded_other

    @property
    def records_excluded(self) -> int:
        return self.records_excluded_human + self.records_excluded_automation

    @property
    def total_studies(self) -> int:
        return (self.previous_studies or 0) + self.new_studies

    @property
    def total_reports(self) -> int:
        return (self.previous_reports or 0) + self.new_reports

    @property
    def updated(self) -> bool:
        """Whether this is an updated review (previous counts given)."""
        return self.previous_studies is not None or self.previous_reports is not None

    @property
    def other_methods(self) -> bool:
        """Whether any record was identified by other methods."""
        return bool(
            self.website_specific_results or self.organisation_specific_results
            or self.citations_specific_results
        )

    @property
    def pending(self) -> int:
        """Records and reports still waiting for a decision."""
        return (
            self.awaiting_screening + self.dbr_awaiting_retrieval
            + self.dbr_awaiting_eligibility + self.other_awaiting_retrieval
            + self.other_awaiting_eligibility
        )

    def reason_label(self, code: str) -> str:
        """The description of a reason code from ``[criteria.reasons]`` (else the code)."""
        return self.reason_labels.get(code, code)
