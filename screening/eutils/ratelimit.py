"""Rate limiting for NCBI E-utilities: a thread-safe token bucket, one per process and key.

NCBI allows 3 requests/s per site without an API key and 10/s with one (EUTILS.md §2). The
buckets here run below that (2.5/s and 8/s, as EUTILS.md recommends, since Biopython found
that 0.333 s spacing sometimes hit the limit) with a capacity of one token, so requests are
evenly spaced and no one-second window can hold more than 3 (or 9) of them.

Every HTTP attempt, retries included, takes a token. Buckets are shared by every client in
the process that uses the same key (:func:`process_bucket`); they are made on first use,
never at import.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = [
    "RATE_WITHOUT_KEY",
    "RATE_WITH_KEY",
    "TokenBucket",
    "process_bucket",
]

#: Requests per second the client allows itself without an API key (NCBI's limit is 3).
RATE_WITHOUT_KEY = 2.5
#: Requests per second the client allows itself with an API key (NCBI's limit is 10).
RATE_WITH_KEY = 8.0


class TokenBucket:
    """A token bucket: ``rate`` tokens per second, at most ``capacity`` stored.

    :meth:`acquire` reserves a token under a lock and then sleeps outside it until the token
    is due, so concurrent callers are served in turn and none waits while holding the lock.
    ``clock`` and ``sleep`` are injectable for tests (a fake clock makes them instant).
    """

    def __init__(
        self,
        rate: float,
        *,
        capacity: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive (got {rate!r})")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1 (got {capacity!r})")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = capacity
        self._updated = clock()

    def reserve(self) -> float:
        """Take a token now; return how many seconds the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
            self._updated = now
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.rate

    def acquire(self) -> float:
        """Block until a token is available; return the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait


_BUCKETS: dict[str | None, TokenBucket] = {}
_BUCKETS_LOCK = threading.Lock()


def process_bucket(api_key: str | None) -> TokenBucket:
    """The process-wide bucket for ``api_key`` (None: the keyless, per-site limit)."""
    with _BUCKETS_LOCK:
        bucket = _BUCKETS.get(api_key)
        if bucket is None:
            rate = RATE_WITH_KEY if api_key else RATE_WITHOUT_KEY
            bucket = _BUCKETS[api_key] = TokenBucket(rate)
        return bucket
