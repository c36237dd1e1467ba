"""PubMed E-utilities: a rate-limited, retrying client and a writer of fetched MEDLINE text.

::

    client.py     EutilsClient: esearch (split by date window), efetch (history or id list)
    parse.py      esearch XML, error and rate-limit bodies, checked MEDLINE batches
    ratelimit.py  TokenBucket, process_bucket (one per process and key)
    nbib.py       write_nbib: batches -> one .nbib for screening.readers.medline
    errors.py     EutilsError (a ReviewError)
"""

from screening.eutils.client import DEFAULT_BASE_URL, MAX_BATCH, MAX_RETRIEVABLE, EutilsClient
from screening.eutils.errors import EutilsError
from screening.eutils.nbib import write_nbib
from screening.eutils.parse import MedlineBatch, SearchResult
from screening.eutils.ratelimit import RATE_WITH_KEY, RATE_WITHOUT_KEY, TokenBucket, process_bucket

__all__ = [
    "DEFAULT_BASE_URL",
    "EutilsClient",
    "EutilsError",
    "MAX_BATCH",
    "MAX_RETRIEVABLE",
    "MedlineBatch",
    "RATE_WITHOUT_KEY",
    "RATE_WITH_KEY",
    "SearchResult",
    "TokenBucket",
    "process_bucket",
    "write_nbib",
]
