"""The Jinja2 environment of the pages, and rendering a page with the context every
page has (the signed-in account, its CSRF token, the navigation).

Autoescaping is on for every template, whatever its name; record text reaches templates
as plain strings (escaped when shown) or as Markup made by :func:`highlight`, which
escapes it first. No template uses ``|safe``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

__all__ = ["STAGE_LABELS", "TEMPLATES_DIR", "make_environment", "make_templates", "render"]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

STAGE_LABELS = {"title_abstract": "Title and abstract", "full_text": "Full text"}
OUTCOME_LABELS = {"include": "Include", "exclude": "Exclude", "maybe": "Maybe",
                  "excluded_automation": "Excluded by automation",
                  "not_retrieved": "Not retrieved"}


def _percent(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:.{digits}f}%"


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def make_environment(directory: Path = TEMPLATES_DIR) -> Environment:
    """The templates' environment: autoescape on for every template, undefined names are
    errors (a typo in a template fails its test instead of showing nothing)."""
    env = Environment(loader=FileSystemLoader(str(directory)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["percent"] = _percent
    env.filters["number"] = _number
    env.globals["STAGE_LABELS"] = STAGE_LABELS
    env.globals["OUTCOME_LABELS"] = OUTCOME_LABELS
    return env


def make_templates(directory: Path = TEMPLATES_DIR) -> Jinja2Templates:
    return Jinja2Templates(env=make_environment(directory))


def render(request: Request, name: str, context: Mapping[str, Any] | None = None, *,
           status_code: int = 200) -> HTMLResponse:
    """Render page ``name`` with ``context`` plus ``account``, ``csrf_token``, ``review_name``
    and ``path`` (which the layout needs)."""
    state = request.app.state.web
    session = getattr(request.state, "session", None)
    full = {
        "account": getattr(request.state, "account", None),
        "csrf_token": session.csrf if session is not None else "",
        "review_name": state.review.config.review.name,
        "path": request.url.path,
        "error": None,
        "notice": None,
    }
    full.update(context or {})
    return state.templates.TemplateResponse(request, name, full, status_code=status_code)
