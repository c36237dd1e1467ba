"""The reviewers' web app: FastAPI, Jinja2 templates and a little plain JavaScript.

::

    app.py        create_app(review_dir, store_url=...): the app, its state, security headers
    worker.py     the app factory uvicorn's worker processes import (``litsieve web --workers``)
    auth.py       signed session cookies, CSRF tokens, bearer tokens, login rate limits, roles
    highlight.py  include/exclude terms wrapped in <mark> after escaping the record's text
    render.py     the Jinja2 environment (autoescaping everything) and page rendering
    pages/        HTML pages: login, screening, dashboard, conflicts, agreement, audit
    api/          the JSON API under /api (one router per resource; OpenAPI at /openapi.json)
    templates/    Jinja2 templates (one base layout)
    static/       CSS and the keyboard script, served by the app itself (nothing from a CDN)

Nothing in ``screening`` imports this package; the CLI imports it only inside ``litsieve
web``, so the other commands never load FastAPI. The screening rules (queues, blind
screening, conflicts, agreement) live in ``screening.votes``; pages and the API call the
same service, never each other. Role checks (lead-only pages and endpoints) are made here.
"""
