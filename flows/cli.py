"""Commands that need Prefect, added to the ``litsieve`` CLI through the
``litsieve.commands`` entry point (screening never imports flows or Prefect).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``litsieve serve`` to the CLI."""

    @app.command("serve")
    def serve_command(
        directory: Annotated[Path, typer.Argument(help="The review directory.")],
    ) -> None:
        """Run PubMed updates on the [pubmed] schedule (cron) with Prefect, until stopped.

        Logs each run to the terminal. Point PREFECT_API_URL at a Prefect server
        (`prefect server start`, or a team's shared server) to see runs there.
        """
        from screening.cli.app import out
        from screening.review_dir import open_review
        from screening.update import pubmed_settings

        # A missing review, [pubmed] section or email fails before Prefect starts.
        pubmed_settings(open_review(directory).config.pubmed, os.environ)
        from flows.update import serve_updates

        out.print(f"Serving PubMed updates of {directory}; stop with Ctrl-C")
        serve_updates(directory)
