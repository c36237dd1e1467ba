"""``litsieve web``: the reviewers' web app (FastAPI, served by uvicorn).

The web package (and so FastAPI) is imported inside the command only: every other
command starts without it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from screening.cli.app import app, database_url, err
from screening.review_dir import open_review

__all__ = ["REVIEW_DIR_ENV"]

#: How ``litsieve web --workers N`` tells each worker process which review to serve (the
#: store comes from LITSIEVE_DATABASE_URL, as for every command).
REVIEW_DIR_ENV = "LITSIEVE_WEB_REVIEW_DIR"


@app.command("web")
def web_command(
    directory: Annotated[Path, typer.Argument(help="The review directory.")],
    host: Annotated[str, typer.Option(
        "--host", help="The address to listen on (127.0.0.1: this machine only; put a "
        "TLS proxy in front to serve a team elsewhere).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="The port.")] = 8000,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, help="Worker processes (each opens the store itself; they share "
        "sign-ins, queues and votes through it).")] = 1,
) -> None:
    """Serve the review's screening app: reviewers sign in, screen the ranked title/abstract
    queue and the full texts (blind, one or two votes per record as [screening] says), the
    lead resolves conflicts, follows agreement and progress, and approves the automation.

    Add accounts first with `litsieve reviewer add`. The JSON API is under /api (OpenAPI at
    /openapi.json, docs at /api/docs).
    """
    import uvicorn

    review = open_review(directory)  # a missing review or store fails here, before serving
    review.open_store(database_url()).close()
    err.print(f"Serving {review.config.review.name} on http://{host}:{port}/ "
              f"({workers} worker{'s' if workers != 1 else ''}); Ctrl+C stops.",
              markup=False, highlight=False)
    if workers == 1:
        from screening.web.app import create_app

        uvicorn.run(create_app(review.path, store_url=database_url()), host=host, port=port,
                    log_level="info")
        return
    os.environ[REVIEW_DIR_ENV] = str(review.path.resolve())
    uvicorn.run("screening.web.worker:app", factory=True, host=host, port=port,
                workers=workers, log_level="info")
