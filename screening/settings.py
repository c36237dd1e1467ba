"""The review protocol file (TOML), loaded once into frozen pydantic models.

Unknown keys are errors naming the file and the key path (``sources.pubmed.fromat``),
so a typo never silently falls back to a default.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from screening.errors import ConfigError

__all__ = [
    "CriteriaSection",
    "DedupSection",
    "ImportSection",
    "PrismaSection",
    "PubmedSection",
    "ReviewConfig",
    "ReviewSection",
    "ScreeningSection",
    "SourceKind",
    "SourceSection",
    "StoreSection",
    "load_config",
    "parse_config",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewSection(_Section):
    """``[review]``: what the review is about."""

    name: str
    #: Written by ``litsieve init``: which review a store holds (on PostgreSQL, the review's
    #: schema is ``review_<id>``). None in reviews made before ids.
    id: str | None = Field(default=None, pattern=r"^[a-z0-9]{4,32}$")
    question: str = ""
    authors: tuple[str, ...] = ()
    #: The zone of times that come without one (decisions from spreadsheets, Rayyan,
    #: Covidence): an IANA name such as "Europe/Berlin".
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as "
                             "'UTC' or 'Europe/Berlin'") from None
        return value


class StoreSection(_Section):
    """``[store]``: where decisions and records live (SQLite in the review directory by default)."""

    url: str | None = None


class ImportSection(_Section):
    """``[import]``: defaults for ``litsieve import``."""

    on_bad_record: Literal["error", "quarantine"] = "error"
    encoding: str = "utf-8"


class SourceSection(_Section):
    """``[sources.<id>]``: one database export of the review."""

    path: str
    database: str | None = None
    format: str | None = None
    encoding: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)


class CriteriaSection(_Section):
    """``[criteria]``: exclusion reason codes and what they mean; the terms the web app
    highlights in titles and abstracts (case-insensitive; ``*`` at the end matches any
    ending: ``random*``)."""

    reasons: dict[str, str] = Field(default_factory=dict)
    include_terms: tuple[str, ...] = ()
    exclude_terms: tuple[str, ...] = ()


class StageScreeningSection(_Section):
    """``[screening.title_abstract]`` / ``[screening.full_text]``: a stage's own rules."""

    votes: Literal[1, 2] | None = None
    blind: bool | None = None


class ScreeningSection(_Section):
    """``[screening]``: how many reviewers' votes decide a record, and whether reviewers
    see each other's votes before it is decided (blind). Each stage may override both."""

    votes: Literal[1, 2] = 1
    blind: bool = True
    #: The ranker the web app retrains in the background (svm: seconds even for 50,000
    #: records; svm-emb needs every record's embedding first).
    model: str = "svm"
    #: Retrain after this many new title/abstract labels.
    retrain_every: int = Field(default=10, ge=1)
    #: The largest full-text PDF the web app accepts.
    max_upload_mb: float = Field(default=50.0, gt=0)
    title_abstract: StageScreeningSection = StageScreeningSection()
    full_text: StageScreeningSection = StageScreeningSection()

    def votes_for(self, stage: str) -> int:
        """The votes that decide a record at ``stage``."""
        own = getattr(self, str(stage)).votes
        return self.votes if own is None else own

    def blind_for(self, stage: str) -> bool:
        """Whether votes at ``stage`` are hidden from other reviewers until decided."""
        own = getattr(self, str(stage)).blind
        return self.blind if own is None else own


#: How deduplication treats two reports of one work: linked, or left for a person.
PairPolicy = Literal["maybe", "duplicate"]


class DedupSection(_Section):
    """``[dedup]``: which related reports deduplication links by itself.

    ``conference_abstracts``: a conference abstract and the journal article with the same
    title, authors and year; ``preprints``: a preprint and its journal version. Both are
    ``"maybe"`` by default (a person decides). ``cochrane_versions``: the versions of one
    Cochrane review (same CD number and title), ``"duplicate"`` by default.
    """

    conference_abstracts: PairPolicy = "maybe"
    preprints: PairPolicy = "maybe"
    cochrane_versions: PairPolicy = "duplicate"


#: What a source is in the PRISMA 2020 identification boxes (see ``screening.prisma.kinds``).
SourceKind = Literal["database", "register", "website", "organisation", "citation"]


class PrismaSection(_Section):
    """``[prisma]``: what the PRISMA 2020 counts cannot learn from the store.

    ``previous_studies`` and ``previous_reports`` (both or neither) make the diagram that of
    an updated review. ``source_kinds`` maps a database name to its kind, over the built-in
    mapping (``"ClinicalTrials.gov"`` is a register, ``"Citation searching"`` a citation
    source; any other name is a database).
    """

    previous_studies: int | None = Field(default=None, ge=0)
    previous_reports: int | None = Field(default=None, ge=0)
    source_kinds: dict[str, SourceKind] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _previous_counts_agree(self) -> PrismaSection:
        studies, reports = self.previous_studies, self.previous_reports
        if (studies is None) != (reports is None):
            raise ValueError("give both previous_studies and previous_reports, or neither")
        if studies is not None and reports is not None and reports < studies:
            raise ValueError(
                f"previous_reports ({reports}) is less than previous_studies ({studies}); "
                "every study has at least one report"
            )
        return self


#: NCBI's E-utilities base URL (the same as ``screening.eutils.DEFAULT_BASE_URL``; not
#: imported from there so that loading a config does not import ``requests``).
EUTILS_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
_NCBI_DATE = re.compile(r"^\d{4}/\d{2}/\d{2}$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?LW#]+$")


class PubmedSection(_Section):
    """``[pubmed]``: the saved PubMed search that ``litsieve update`` / ``serve`` repeats.

    Each update searches ``query`` for records whose ``datetype`` date (Entrez date by
    default: when the record entered PubMed) lies after the previous update, from
    ``start`` (YYYY/MM/DD) on the first run. ``email`` and ``api_key`` may instead come
    from the environment (NCBI_EMAIL, NCBI_API_KEY); ``base_url`` may be overridden by
    LITSIEVE_EUTILS_URL. ``schedule`` is a cron expression for ``litsieve serve``.
    """

    query: str = Field(min_length=1)
    tool: str = "litsieve"
    email: str | None = None
    api_key: str | None = None
    base_url: str = EUTILS_BASE_URL
    datetype: Literal["edat", "pdat", "mdat"] = "edat"
    start: str
    schedule: str = "0 6 * * 1"

    @field_validator("start")
    @classmethod
    def _start_is_a_date(cls, value: str) -> str:
        if not _NCBI_DATE.match(value):
            raise ValueError("start must be a date YYYY/MM/DD")
        datetime.strptime(value, "%Y/%m/%d")  # raises ValueError on 2024/02/30
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule_is_cron(cls, value: str) -> str:
        parts = value.split()
        if len(parts) not in (5, 6) or not all(_CRON_FIELD.match(p) for p in parts):
            raise ValueError("schedule must be a cron expression of 5 fields, e.g. '0 6 * * 1'")
        return value

    @property
    def start_date(self) -> date:
        return datetime.strptime(self.start, "%Y/%m/%d").date()


class ReviewConfig(_Section):
    """A whole review protocol file."""

    review: ReviewSection
    store: StoreSection = StoreSection()
    import_: ImportSection = Field(default=ImportSection(), alias="import")
    sources: dict[str, SourceSection] = Field(default_factory=dict)
    criteria: CriteriaSection = CriteriaSection()
    screening: ScreeningSection = ScreeningSection()
    dedup: DedupSection = DedupSection()
    prisma: PrismaSection = PrismaSection()
    pubmed: PubmedSection | None = None
    # ``[pooling]`` belongs to the pool flow (flows/pool.py), which validates it strictly;
    # screening must not import extraction, so the section is passed through as it is.
    pooling: dict[str, Any] = Field(default_factory=dict)


def parse_config(text: str, *, path: str = "<config>") -> ReviewConfig:
    """Parse TOML text into a ReviewConfig; errors name ``path`` and the key path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return ReviewConfig.model_validate(data)
    except ValidationError as exc:
        messages = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "(top level)"
            if error["type"] == "extra_forbidden":
                messages.append(f"{path}: {key}: unknown key")
            elif error["type"] == "missing":
                messages.append(f"{path}: {key}: required key is missing")
            else:
                messages.append(f"{path}: {key}: {error['msg']} (got {error.get('input')!r})")
        raise ConfigError("\n".join(messages)) from exc


def load_config(path: Path) -> ReviewConfig:
    """Read and validate a review protocol file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return parse_config(text, path=str(path))
