"""The app factory of ``litsieve web --workers N``: uvicorn imports it in each worker
process, which opens the store itself.

The command passes the review directory in LITSIEVE_WEB_REVIEW_DIR and the store (when
not the review's own) in LITSIEVE_DATABASE_URL, as for every command; this entry point is
the only part of the web package that reads the environment.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from screening.web.app import create_app

__all__ = ["app"]


def app() -> FastAPI:
    directory = os.environ.get("LITSIEVE_WEB_REVIEW_DIR")
    if not directory:
        raise RuntimeError("LITSIEVE_WEB_REVIEW_DIR is not set: start the app with "
                           "`litsieve web DIR --workers N`")
    return create_app(directory, store_url=os.environ.get("LITSIEVE_DATABASE_URL") or None)
