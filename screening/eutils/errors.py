"""The error an E-utilities exchange raises: :class:`EutilsError` (a ReviewError)."""

from __future__ import annotations

from screening.errors import ReviewError

__all__ = ["EutilsError"]


class EutilsError(ReviewError):
    """NCBI E-utilities did not give what was asked, after any retries.

    ``endpoint`` is the E-utility (``esearch``, ``efetch``); ``retstart`` names the efetch
    batch when one batch failed (nothing from that batch is returned); ``status`` is the last
    HTTP status seen, if any. Plain data: no I/O here.
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        retstart: int | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.retstart = retstart
        self.status = status
