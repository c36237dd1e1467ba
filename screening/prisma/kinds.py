"""Which PRISMA 2020 identification box a source belongs to, from its database name.

PRISMA 2020 counts records identified from *databases*, from *registers* (trial and
review registries) and from *other methods* (websites, organisations, citation searching).
A record's database name (the one given at import, e.g. ``--database ClinicalTrials.gov``)
decides its kind:

1. ``[prisma.source_kinds]`` in the review's config, when it names the database
   (matched like the built-in names: case, spaces and punctuation ignored);
2. else the built-in names below (:data:`REGISTER_NAMES` and :data:`OTHER_METHOD_NAMES`);
3. else ``database``.

Records identified by other methods go straight to "Reports sought for retrieval" in the
diagram's right-hand column; records from databases and registers go through
deduplication and title/abstract screening.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

__all__ = [
    "OTHER_METHOD_NAMES",
    "REGISTER_NAMES",
    "SourceKind",
    "normalize_source_name",
    "source_kind",
]


class SourceKind(StrEnum):
    """The identification box of a source. Values are a data contract (config and JSON)."""

    DATABASE = "database"
    REGISTER = "register"
    WEBSITE = "website"
    ORGANISATION = "organisation"
    CITATION = "citation"

    @property
    def via_databases(self) -> bool:
        """Whether records of this kind go through the databases-and-registers flow."""
        return self in (SourceKind.DATABASE, SourceKind.REGISTER)


def normalize_source_name(name: str) -> str:
    """``name`` lower-cased with everything but letters and digits removed."""
    return re.sub(r"[\W_]+", "", name.casefold())


def _names(*names: str) -> frozenset[str]:
    return frozenset(normalize_source_name(name) for name in names)


#: Trial and review registers (normalised names): WHO ICTRP primary registries and others.
REGISTER_NAMES = _names(
    "ClinicalTrials.gov", "CT.gov", "CTgov", "NCT", "ICTRP", "WHO ICTRP",
    "WHO International Clinical Trials Registry Platform", "ISRCTN", "EU CTR", "EUCTR",
    "EU Clinical Trials Register", "CTIS", "EU CTIS", "ANZCTR", "ChiCTR", "DRKS", "CTRI",
    "jRCT", "JPRN", "UMIN", "UMIN-CTR", "IRCT", "PACTR", "ReBEC", "NTR", "LTR", "LBCTR",
    "SLCTR", "TCTR", "CRiS", "RPCEC", "REPEC", "ITMCTR", "PROSPERO", "OSF Registries",
    "Trial register", "Trials register", "Register", "Registry",
)

#: Other methods (normalised names) and the box each is counted in.
OTHER_METHOD_NAMES: Mapping[str, SourceKind] = {
    **dict.fromkeys(
        _names("Website", "Websites", "Web site", "Web search", "Google"),
        SourceKind.WEBSITE,
    ),
    **dict.fromkeys(
        _names("Organisation", "Organisations", "Organization", "Organizations",
               "Contact with experts", "Experts", "Manufacturer", "Manufacturers"),
        SourceKind.ORGANISATION,
    ),
    **dict.fromkeys(
        _names("Citation searching", "Citation search", "Citations", "Reference lists",
               "Reference list", "Backward citation", "Forward citation", "Snowballing",
               "Hand searching", "Handsearching", "Hand search"),
        SourceKind.CITATION,
    ),
}


def source_kind(database: str | None, overrides: Mapping[str, str] | None = None) -> SourceKind:
    """The kind of the source named ``database`` (None: an unnamed source, a database).

    ``overrides`` maps database names to kinds (``[prisma.source_kinds]``); it wins over
    the built-in names.
    """
    if not database:
        return SourceKind.DATABASE
    key = normalize_source_name(database)
    for name, kind in (overrides or {}).items():
        if normalize_source_name(name) == key:
            return SourceKind(kind)
    if key in REGISTER_NAMES:
        return SourceKind.REGISTER
    return OTHER_METHOD_NAMES.get(key, SourceKind.DATABASE)
