"""``litsieve dedup``: find duplicates across databases, undo a link, review the maybes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from screening.cli.app import app, database_url, err, out, progress_bar
from screening.review_dir import open_review

__all__: list[str] = []

_FIELDS = ("record_id", "title", "authors", "year", "journal", "volume", "pages", "doi", "pmid",
           "database", "source")
#: Characters of an abstract shown side by side; a longer one is cut at a word before this.
_ABSTRACT_CHARS = 600
#: ... unless it is only a little longer: then it is shown whole.
_ABSTRACT_SLACK = 150
_KEYS = "[d]uplicate, [n]ot, [s]kip, [q]uit"


@app.command("dedup")
def dedup_command(
    directory: Annotated[Path, typer.Argument(help="The review directory.")],
    full: Annotated[bool, typer.Option(
        "--full", help="Compare every pair again (after new rules), not only new records."
    )] = False,
    undo: Annotated[int | None, typer.Option(
        "--undo", metavar="LINK_ID", help="Undo a duplicate link: the pair is two studies."
    )] = None,
    review: Annotated[bool, typer.Option(
        "--review", help="Decide the 'maybe' pairs one by one, side by side.")] = False,
    reviewer: Annotated[str, typer.Option(
        "--reviewer", help="Who decides (recorded as human:<id>).")] = "reviewer",
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes for scoring.")] = 1,
) -> None:
    """Find duplicate records across databases; nothing is deleted, every link is recorded.

    Prints the duplicates found, the pairs left for a person ("maybe") and the time.
    """
    from screening.dedup.service import decide_link, rules_for, run_dedup

    review_dir = open_review(directory)
    with review_dir.open_store(database_url()) as store:
        if undo is not None:
            link = store.link(undo)
            decide_link(store, link.record_a, link.record_b, "distinct", reviewer=reviewer,
                        replaces=undo)
            out.print(f"Link {undo} undone: {link.record_a} and {link.record_b} are two studies")
        if review:
            _review_maybes(store, reviewer, directory)
        run_id = store.begin_run("dedup", {"full": full, "workers": workers})
        try:
            with progress_bar() as bar:
                bar.add_task("Deduplicating" + (" the whole review" if full else ""),
                             total=None)
                summary = run_dedup(store, run_id=run_id, workers=workers, full=full,
                                    rules=rules_for(review_dir.config.dedup))
        except BaseException:
            store.finish_run(run_id, "failed", {})
            raise
        store.finish_run(run_id, "ok", {
            "duplicate_records": summary.n_duplicate_records, "maybe": summary.n_maybe,
            "new_links": summary.new_links, "new_decisions": summary.new_decisions})
    kind = "incremental" if summary.incremental else "whole review"
    out.print(
        f"{summary.n_records:,} records ({kind}), {summary.n_compared_pairs:,} pairs compared: "
        f"{summary.n_duplicate_records:,} duplicate records in {summary.n_clusters:,} clusters, "
        f"{summary.n_maybe:,} pairs for a person (litsieve dedup {directory} --review); "
        f"{summary.new_links:,} new links, {summary.new_decisions:,} new decisions "
        f"in {summary.seconds:.1f} s"
    )


def _side_by_side(records: dict, a: str, b: str, link) -> Table:
    # Text everywhere: a title like "[Ketamine in ...]" is not rich markup.
    table = Table(title=Text(f"Link {link.link_id}: {link.rule_id} "
                             f"(title {link.scores.get('title_sim', 0):.2f}, "
                             f"authors {link.scores.get('author_sim', 0):.2f})"),
                  show_lines=True)
    table.add_column("field")
    table.add_column(Text(a), overflow="fold", ratio=1)
    table.add_column(Text(b), overflow="fold", ratio=1)
    for name in (*_FIELDS[1:], "abstract"):
        left, right = (_field(records[r], name) for r in (a, b))
        style = "" if left == right else "bold yellow"
        table.add_row(name, Text(left), Text(right), style=style)
    return table


def _field(record, name: str) -> str:
    if name == "authors":
        return "; ".join(record.authors[:6]) + (" …" if len(record.authors) > 6 else "")
    if name == "database":
        return record.source.database or ""
    if name == "source":
        return f"{Path(record.source.path).name}:{record.source.line_start}"
    if name == "abstract":
        return _shorten(record.abstract or "")
    value = getattr(record, name)
    return "" if value is None else str(value)


def _shorten(text: str) -> str:
    """An abstract as shown side by side: whole when short, else its first
    ~``_ABSTRACT_CHARS`` characters, cut at a word, and how much is left out."""
    text = " ".join(text.split())
    if len(text) <= _ABSTRACT_CHARS + _ABSTRACT_SLACK:
        return text
    cut = text.rfind(" ", 0, _ABSTRACT_CHARS + 1)
    head = text[:cut if cut > _ABSTRACT_CHARS // 2 else _ABSTRACT_CHARS].rstrip()
    return f"{head} … (+{len(text) - len(head):,} characters)"


def _review_maybes(store, reviewer: str, directory: Path) -> None:
    from screening.dedup.service import decide_link

    maybes = store.latest_links(outcome="maybe")
    if not maybes:
        out.print("No pairs wait for a decision.")
        return
    records = {r.record_id: r for r in store.iter_records(status="ok")}
    for number, link in enumerate(maybes, 1):
        if link.record_a not in records or link.record_b not in records:
            continue  # a record no longer in the review (its import was taken back)
        out.print(_side_by_side(records, link.record_a, link.record_b, link))
        answer = _ask(f"[{number}/{len(maybes)}] Link {link.link_id}: same study? {_KEYS}")
        if answer == "q":
            break
        if answer == "d":
            decide_link(store, link.record_a, link.record_b, "duplicate", reviewer=reviewer,
                        replaces=link.link_id)
            out.print(f"Link {link.link_id}: duplicate (to take it back: litsieve dedup "
                      f"{directory} --undo {link.link_id})", markup=False, highlight=False)
        elif answer == "n":
            decide_link(store, link.record_a, link.record_b, "distinct", reviewer=reviewer,
                        replaces=link.link_id)
            out.print(f"Link {link.link_id}: two studies", markup=False, highlight=False)
        else:
            out.print(f"Link {link.link_id}: skipped, still waiting", markup=False,
                      highlight=False)


def _ask(question: str) -> str:
    while True:
        err.print(question + " ", end="", markup=False, highlight=False)
        line = sys.stdin.readline()
        if not line:
            return "q"  # end of input: stop, decisions so far are kept
        answer = line.strip().lower()[:1]
        if answer in ("d", "n", "s", "q"):
            return answer
        err.print("Please answer d, n, s or q.")


