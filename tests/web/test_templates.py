"""The templates alone, rendered with plain objects in place of the service's answers:
what each page shows in each state. (The end-to-end tests run the real service.)"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from markupsafe import Markup

from screening.web.highlight import highlight
from screening.web.pages.screen import BUTTONS
from screening.web.render import make_environment


@pytest.fixture(scope="module")
def env():
    return make_environment()


def page(env, name: str, **context) -> str:
    base = {"account": SimpleNamespace(reviewer_id="ann", name="Ann <A>", role="reviewer"),
            "csrf_token": "tok", "review_name": "Review & co", "path": "/x", "error": None,
            "notice": None}
    return env.get_template(name).render({**base, **context})


def a_view(**changes):
    fields = dict(
        record_id="src:1", title="<b>Title</b> randomised", abstract="Abstract <i>x</i>",
        authors=("Doe, J", "<Roe>"), journal="J & J", year=2020, keywords=("k<1>",),
        mesh=("Humans",), emtree=(), doi="10.1/x\"y", pmid="123", databases=("Embase",),
        stage="title_abstract", state="pending", decision=None, my_vote=None, votes=(),
        votes_hidden=False)
    fields.update(changes)
    return SimpleNamespace(**fields)


def screen(env, stage="title_abstract", view=None, item=True, **extra) -> str:
    view = view or a_view()
    return page(env, "screen.html", stage=stage, buttons=BUTTONS[stage],
                item=SimpleNamespace(record_id=view.record_id, position=3, remaining=9,
                                     params_hash="abc") if item else None,
                view=view, title_html=highlight(view.title, ["random*"]),
                abstract_html=highlight(view.abstract), reasons={"wrong_design": "Not RCT"},
                reason_required=stage == "full_text",
                progress=SimpleNamespace(decided=4, remaining=9, conflicts=1, votes_required=2,
                                         blind=True),
                stopping="No stopping claim: no ranking yet", form={}, **extra)


def test_the_screening_page_escapes_and_highlights(env) -> None:
    html = screen(env)
    assert '&lt;b&gt;Title&lt;/b&gt; <mark class="term-include">randomised</mark>' in html
    assert "Abstract &lt;i&gt;x&lt;/i&gt;" in html
    assert "Doe, J; &lt;Roe&gt;" in html and "J &amp; J" in html and "k&lt;1&gt;" in html
    assert 'href="https://doi.org/10.1/x&#34;y"' in html
    assert "Ann &lt;A&gt;" in html and "Review &amp; co" in html
    assert "<strong>4</strong> decided · <strong>9</strong> to go · 1 in conflict" in html
    assert "2 votes per record, blind" in html
    assert "No stopping claim: no ranking yet" in html
    assert '<input type="hidden" name="params_hash" value="abc">' in html
    assert 'data-needs-reason' not in html  # a reason is optional at title/abstract


def test_full_text_needs_a_reason_and_offers_not_retrieved(env) -> None:
    html = screen(env, stage="full_text")
    assert 'data-key="e" data-needs-reason="reason"' in html
    assert "(required to exclude)" in html
    assert 'value="not_retrieved"' in html and 'data-key="n"' in html


def test_votes_shown_hidden_and_decided(env) -> None:
    hidden = screen(env, view=a_view(votes_hidden=True))
    assert "blind screening hides their vote" in hidden
    shown = screen(env, view=a_view(
        votes=({"reviewer_id": "bob", "outcome": "exclude", "reason": "wrong_design",
                "note": "<script>x</script>"},),
        my_vote={"outcome": "include", "reason": None},
        decision={"outcome": "include", "reason": None, "actor": "human:lead"}))
    assert "bob voted <strong>Exclude</strong> (wrong_design): “&lt;script&gt;x&lt;/script&gt;”" \
        in shown
    assert "Your vote: <strong>Include</strong>" in shown
    assert "Decided: <strong>Include</strong> by human:lead" in shown


def test_an_empty_queue_says_why(env) -> None:
    html = screen(env, item=False)
    assert "Nothing left for you to screen at this stage; 1 record wait" in html
    assert 'id="vote"' not in html and 'data-key="u"' in html


def test_the_dashboard(env) -> None:
    progress = [SimpleNamespace(stage="title_abstract", decided=3, remaining=7, conflicts=2,
                                votes_required=2, blind=True, by_reviewer={"ann": 5}),
                SimpleNamespace(stage="full_text", decided=0, remaining=1, conflicts=0,
                                votes_required=1, blind=True, by_reviewer={})]
    html = page(env, "dashboard.html", progress=progress, conflicts=2,
                accounts=[SimpleNamespace(reviewer_id="ann", name="Ann", role="reviewer")],
                prisma_svg=Markup("<svg><text>n = 3</text></svg>"),
                stopping="keep screening", may_stop=False)
    assert '<div class="prisma" id="prisma"><svg><text>n = 3</text></svg></div>' in html
    assert '<td class="num">5</td><td class="num">0</td>' in html
    assert 'class="danger" disabled' in html
    assert "Possible once the stopping rule says the recall target is met." in html
    may = page(env, "dashboard.html", progress=progress, conflicts=2, accounts=[],
               prisma_svg=Markup("<svg></svg>"), stopping="may stop", may_stop=True)
    assert 'class="danger">Approve automation' in may


def test_agreement_and_audit(env) -> None:
    from screening.web.pages.reports import table_text

    rows = [SimpleNamespace(stage="title_abstract", reviewer_a="ann", reviewer_b="bob", n=4,
                            n_agree=3, percent=0.75, kappa=0.5,
                            table={("include", "include"): 1, ("include", "exclude"): 1,
                                   ("exclude", "exclude"): 2})]
    html = page(env, "agreement.html", rows=rows, table_text=table_text)
    assert "<td class=\"num\">75.0%</td>" in html and '<td class="num kappa">0.500</td>' in html
    assert "exclude/exclude: 2; include/exclude: 1; include/include: 1" in html
    undefined = page(env, "agreement.html", rows=[SimpleNamespace(**{
        **vars(rows[0]), "kappa": None})], table_text=table_text)
    assert '<td class="num kappa">–</td>' in undefined
    audit = page(env, "audit.html", n_rows=1, page_rows=1000, reviewer="ann", stage="",
                 accounts=[SimpleNamespace(reviewer_id="ann", name="Ann", role="reviewer")],
                 rows=[SimpleNamespace(kind="vote", id=7, record_id="src:1",
                                       stage="title_abstract", actor="human:ann",
                                       outcome="include", reason=None, note="<b>n</b>",
                                       at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))])
    assert "2026-01-02 03:04:05" in audit and "&lt;b&gt;n&lt;/b&gt;" in audit
    assert '<option value="ann" selected>' in audit
    assert 'href="/audit.csv?reviewer=ann&amp;stage="' in audit
