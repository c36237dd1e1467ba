"""What every request of one app shares: the review, its store, the screening service."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from screening.review_dir import ReviewDir
from screening.store import ReviewStore

__all__ = ["State", "WebState", "web_state"]


@dataclass(frozen=True)
class WebState:
    """One app's review, store (its pool serves every request thread), screening service,
    the key its session cookies are signed with, and the ranker's background retrainer."""

    review: ReviewDir
    store: ReviewStore
    service: Any  # screening.votes.service.ScreeningService
    secret: bytes
    templates: Any  # starlette.templating.Jinja2Templates
    retrainer: Any = None  # screening.web.retrain.Retrainer, or None
    #: matplotlib is not thread-safe: one drawing of the PRISMA diagram at a time.
    _drawing: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def prisma_svg(self) -> str:
        """The PRISMA 2020 diagram as SVG text (drawn by one thread at a time)."""
        with self._drawing:
            return self.service.prisma_svg()

    def voted(self, stage: str) -> None:
        """A vote was cast or taken back at ``stage``: title/abstract labels retrain the
        ranker (in the background)."""
        if stage == "title_abstract" and self.retrainer is not None:
            self.retrainer.nudge()

    def stopping_text(self) -> str:
        """What the stopping rule says about the title/abstract screening, as a sentence."""
        return self.service.stopping().summary()


def web_state(request: Request) -> WebState:
    """The app's state (a FastAPI dependency)."""
    return request.app.state.web


#: A route's parameter for the app's state.
State = Annotated[WebState, Depends(web_state)]
