"""What the API's routers share: the service's refusals as HTTP answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException

__all__ = ["LEAD_ONLY", "UNAUTHORIZED", "refusals"]

#: Documented answers (the OpenAPI document lists them).
UNAUTHORIZED = {401: {"description": "no valid bearer token"}}
LEAD_ONLY = {**UNAUTHORIZED, 403: {"description": "the caller is not the review's lead"}}


@contextmanager
def refusals() -> Iterator[None]:
    """A VoteError of the service becomes its HTTP status (404, 409, 422) and message."""
    from screening.votes.service import VoteError

    try:
        yield
    except VoteError as exc:
        raise HTTPException(exc.status, detail=str(exc)) from exc
