"""Retraining the title/abstract queue's ranker outside the requests.

A ranker takes seconds to fit, so no request waits for one: votes nudge a background
thread, which asks :func:`screening.votes.ranking.retrain_if_due` (a lease in the store
keeps two worker processes from training at once) and otherwise checks once a minute.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from screening.store import ReviewStore

__all__ = ["Retrainer"]

log = logging.getLogger("litsieve.web")


class Retrainer:
    """A daemon thread that rebuilds the queue when enough new labels came in."""

    def __init__(self, store: ReviewStore, *, model: str, retrain_every: int,
                 interval: float = 60.0) -> None:
        self.store = store
        self.model = model
        self.retrain_every = retrain_every
        self.interval = interval
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._nudged = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="litsieve-retrain",
                                            daemon=True)
            self._thread.start()

    def nudge(self) -> None:
        """New labels came in: check soon."""
        self._nudged.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        self._nudged.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        from screening.votes.ranking import retrain_if_due

        while not self._stopping.is_set():
            self._nudged.wait(self.interval)
            self._nudged.clear()
            if self._stopping.is_set():
                return
            try:
                made = retrain_if_due(self.store, model=self.model,
                                      retrain_every=self.retrain_every, owner=self.owner)
            except Exception:  # a failed fit must not stop screening; say so in the log
                log.exception("retraining the title/abstract ranker failed")
            else:
                if made is not None:
                    log.info("title/abstract queue re-ranked (ranking %s)", made)
