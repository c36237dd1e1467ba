"""``litsieve votes``: reviewers' votes cast from a file through the web app's own code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from screening.cli.app import app, database_url, out
from screening.errors import ReviewError
from screening.review_dir import open_review

__all__: list[str] = []

votes_app = typer.Typer(
    help="Reviewers' screening votes (the web app's dual screening) from a file.",
    no_args_is_help=True,
)
app.add_typer(votes_app, name="votes")


@votes_app.command("replay")
def replay_command(
    directory: Annotated[Path, typer.Argument(help="The review directory.")],
    file: Annotated[Path, typer.Argument(
        help="CSV: native_id or record_id, database, stage, reviewer, vote, reason, note.")],
    retrain_every: Annotated[int, typer.Option(
        "--retrain-every", min=1, help="Rebuild the ranked queue after this many "
        "decisions (the web app retrains in the background).")] = 50,
) -> None:
    """Cast reviewers' votes as if they screened in the web app.

    At title/abstract each reviewer takes the next record of the ranked queue and casts the
    file's vote for it, so the decisions carry the ranking (and the stopping rule applies);
    [screening] votes and blind apply as in the browser: two votes that disagree are a
    conflict. Rows whose note starts with "resolution" are the lead's decisions on
    conflicts. A record the queue offers a reviewer without a vote in the file stops the
    replay (votes already cast are kept; running again continues).
    """
    from screening.votes.replay import replay_votes
    from screening.votes.service import ScreeningService

    if not file.is_file():
        raise ReviewError(f"{file}: no such file")
    review = open_review(directory)
    with review.open_store(database_url()) as store:
        for reviewer in _reviewers(file):
            if store.account(reviewer) is None and reviewer not in {
                    r.reviewer_id for r in store.reviewers()}:
                store.add_reviewer(reviewer, reviewer)
        report = replay_votes(ScreeningService(store, review.config), file,
                              retrain_every=retrain_every)
    cast = ", ".join(f"{who} {n}" for (stage, who), n in sorted(report.votes.items())
                     if stage == "title_abstract")
    full = ", ".join(f"{who} {n}" for (stage, who), n in sorted(report.votes.items())
                     if stage == "full_text")
    out.print(f"{file}: title/abstract votes: {cast or 'none'}; full-text votes: "
              f"{full or 'none'}", highlight=False)
    out.print(f"Decided: {report.decided['title_abstract']} at title/abstract, "
              f"{report.decided['full_text']} at full text; {report.conflicts} conflicts, "
              f"{report.resolutions} resolved by the lead; the queue was ranked "
              f"{report.rankings} times", highlight=False)
    if report.already:
        out.print(f"{report.already} votes and resolutions were in the review already "
                  "(an earlier replay): not cast again", highlight=False)


def _reviewers(file: Path) -> set[str]:
    import csv

    with file.open(encoding="utf-8-sig", newline="") as handle:
        return {(row.get("reviewer") or "").strip() for row in csv.DictReader(handle)} - {""}
