"""The app: :func:`create_app` opens a review's store and serves its pages and API."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from screening.review_dir import open_review
from screening.web.auth import Forbidden, FormRejected, LoginRequired
from screening.web.render import make_templates, render
from screening.web.state import WebState

__all__ = ["SECURITY_HEADERS", "STATIC_DIR", "create_app"]

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: Sent with every response. Scripts only from the app's own files (no inline script can
#: run, even if text were ever injected); inline styles are allowed for the PRISMA SVG.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

API_DESCRIPTION = """\
The screening API of one review. Every call needs `Authorization: Bearer <token>`; a
reviewer gets a token from the review's lead (`litsieve reviewer token DIR ID`).
Lead-only calls answer 403 to other reviewers; a malformed body is a 422 that says what
is wrong."""


def create_app(review_dir_path: Path | str, *, store_url: str | None = None,
               background: bool = True) -> FastAPI:
    """The web app of the review in ``review_dir_path``.

    ``store_url`` overrides the review's store (as LITSIEVE_DATABASE_URL does for the
    CLI). The store is opened here, so a missing or foreign store is a ReviewError now,
    not at the first request; it is closed when the app shuts down.

    ``background``: while the app runs, rebuild the title/abstract queue's ranking in a
    background thread as labels come in (see ``screening.web.retrain``), and draw the
    PRISMA diagram once at start-up: its first drawing in a process measures every text
    (seconds), which the lead's first dashboard would otherwise wait for. Tests that need
    a queue order of their own turn it off.
    """
    from screening.votes.service import ScreeningService
    from screening.web.retrain import Retrainer

    review = open_review(Path(review_dir_path))
    store = review.open_store(store_url)
    screening = review.config.screening
    try:
        state = WebState(
            review=review, store=store, service=ScreeningService(store, review.config),
            secret=store.web_secret(), templates=make_templates(),
            retrainer=Retrainer(store, model=screening.model,
                                retrain_every=screening.retrain_every) if background else None)
    except BaseException:
        store.close()
        raise

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if background:
            threading.Thread(target=_draw_once, args=(state,), name="litsieve-prisma",
                             daemon=True).start()
        if state.retrainer is not None:
            state.retrainer.start()
            state.retrainer.nudge()
        try:
            yield
        finally:
            if state.retrainer is not None:
                state.retrainer.stop()
            store.close()

    app = FastAPI(title=f"litsieve: {review.config.review.name}", description=API_DESCRIPTION,
                  version=_version(), lifespan=lifespan, docs_url="/api/docs",
                  redoc_url=None)
    app.state.web = state
    _add_handlers(app)
    _add_routes(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/api" or path == "/openapi.json"


def _draw_once(state: WebState) -> None:
    try:
        state.prisma_svg()
    except Exception:  # the dashboard will say what is wrong when it draws
        logging.getLogger("litsieve.web").exception("drawing the PRISMA diagram failed")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("litsieve")
    except PackageNotFoundError:
        return "0+unknown"


def _add_routes(app: FastAPI) -> None:
    from screening.web.api import routers as api_routers
    from screening.web.pages import routers as page_routers

    for router in page_routers():
        app.include_router(router)
    for router in api_routers():
        app.include_router(router, prefix="/api")


def _add_handlers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path != "/static" and not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = "/login" if exc.next_path in ("", "/") else \
            f"/login?next={quote(exc.next_path, safe='')}"
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "error.html", {"title": "Not allowed", "message": exc.message},
                      status_code=403)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return await http_exception_handler(request, exc)
        title = {404: "Not found", 405: "Not allowed"}.get(exc.status_code, "Error")
        message = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else \
            "There is no such page."
        return render(request, "error.html", {"title": title, "message": message},
                      status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return await request_validation_exception_handler(request, exc)
        fields = ", ".join(sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")}))
        return render(request, "error.html", {
            "title": "Incomplete form",
            "message": f"The form lacked or garbled: {fields or 'a field'}. Reload the page "
                       "and try again."}, status_code=422)

    @app.exception_handler(FormRejected)
    async def form_rejected(request: Request, exc: FormRejected) -> Response:
        return render(request, "error.html", {"title": "Form refused", "message": exc.message},
                      status_code=403)
